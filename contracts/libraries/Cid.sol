// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title Cid
 * @notice Compact storage of IPFS CIDv1 with a sha2-256 multihash: a CID is kept as its multicodec code and its
 * 32-byte digest (one slot for the digest, a few bits beside other fields for the codec) instead of as `bytes`.
 *
 * Binary layout accepted: `0x01 || varint(codec) || 0x12 || 0x20 || digest[32]`, the codec varint being at most four
 * bytes. This is exactly what `ipfs add --cid-version 1` produces (raw `0x55` for a single-chunk file, dag-pb `0x70`
 * otherwise) and what dag-json (`0x0129`) or dag-cbor (`0x71`) blocks hash to.
 */
library Cid {
    uint8 private constant _CID_VERSION = 0x01;
    uint8 private constant _SHA2_256 = 0x12;
    uint8 private constant _DIGEST_LENGTH = 0x20;
    bytes32 private constant _BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

    /**
     * @dev Splits a binary CIDv1 into its codec and sha2-256 digest. `ok` is false for anything else (including the
     * empty string), so callers revert with their own error. The loop reads the codec varint: at most four bytes.
     */
    function parse(bytes calldata cid) internal pure returns (uint32 codec, bytes32 digest, bool ok) {
        uint256 length = cid.length;
        // Fast path for the one-byte codecs IPFS gives files (raw 0x55, dag-pb 0x70, dag-cbor 0x71).
        if (length == 36) {
            bytes4 prefix = bytes4(cid[:4]);
            if (prefix == 0x01551220 || prefix == 0x01701220 || prefix == 0x01711220) {
                return (uint32(uint8(prefix[1])), bytes32(cid[4:]), true);
            }
        }
        if (length < 36 || length > 39 || uint8(cid[0]) != _CID_VERSION) return (0, 0, false);
        uint256 i = 1;
        uint256 shift;
        uint256 value;
        while (true) {
            uint8 b = uint8(cid[i]);
            ++i;
            value |= uint256(b & 0x7f) << shift;
            if (b < 0x80) break;
            shift += 7;
            if (shift == 28) return (0, 0, false);
        }
        // A varint must be minimal (no trailing zero byte) and the codec must not be zero.
        if (value == 0 || (i > 2 && uint8(cid[i - 1]) == 0)) return (0, 0, false);
        if (length != i + 34 || uint8(cid[i]) != _SHA2_256 || uint8(cid[i + 1]) != _DIGEST_LENGTH) {
            return (0, 0, false);
        }
        return (uint32(value), bytes32(cid[i + 2:]), true);
    }

    /// @dev Rebuilds the binary CIDv1 from its codec and digest.
    function encode(uint32 codec, bytes32 digest) internal pure returns (bytes memory) {
        bytes memory varint;
        if (codec < 0x80) varint = abi.encodePacked(uint8(codec));
        else if (codec < 0x4000) varint = abi.encodePacked(uint8(codec | 0x80), uint8(codec >> 7));
        else if (codec < 0x200000) {
            varint = abi.encodePacked(uint8(codec | 0x80), uint8((codec >> 7) | 0x80), uint8(codec >> 14));
        } else {
            varint = abi.encodePacked(
                uint8(codec | 0x80),
                uint8((codec >> 7) | 0x80),
                uint8((codec >> 14) | 0x80),
                uint8(codec >> 21)
            );
        }
        return abi.encodePacked(_CID_VERSION, varint, _SHA2_256, _DIGEST_LENGTH, digest);
    }

    /// @dev The CID as a multibase base32 string (`b` prefix, lower case, no padding), as IPFS prints CIDv1. The loops
    /// run over the CID's at most 39 bytes.
    function toBase32(uint32 codec, bytes32 digest) internal pure returns (string memory) {
        bytes memory data = encode(codec, digest);
        uint256 bits = data.length * 8;
        bytes memory out = new bytes(1 + (bits + 4) / 5);
        out[0] = "b";
        uint256 buffer;
        uint256 buffered;
        uint256 j = 1;
        for (uint256 i; i < data.length; ++i) {
            buffer = (buffer << 8) | uint8(data[i]);
            buffered += 8;
            while (buffered >= 5) {
                buffered -= 5;
                out[j] = _BASE32[(buffer >> buffered) & 31];
                ++j;
            }
        }
        if (buffered > 0) out[j] = _BASE32[(buffer << (5 - buffered)) & 31];
        return string(out);
    }
}
