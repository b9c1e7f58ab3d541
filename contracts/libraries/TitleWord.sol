// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice A work's title as the registry stores it, in one word (see {IProvenanceRegistry-Title} for the fields):
/// what the licence ledger and the exchange read on every sale, decoded on the stack instead of through an ABI struct.
type TitleWord is uint256;

using TitleWordLib for TitleWord global;

/**
 * @title TitleWordLib
 * @notice The layout of {TitleWord}, which is the registry's storage word itself: owner in bits 0-159, flags 160-167
 * (pledged 1, disputed 2, owes royalties 4), moves 168-191, pledges 192-215, encumbrances 216-239, reveal days
 * 240-255.
 */
library TitleWordLib {
    uint8 internal constant PLEDGED = 1;
    uint8 internal constant DISPUTED = 2;
    uint8 internal constant OWES_ROYALTIES = 4;

    /// @dev The title of a new work: its first holder, its flags and its reveal days; every counter at zero.
    function create(address owner_, uint8 flags_, uint16 revealDays_) internal pure returns (TitleWord) {
        return TitleWord.wrap(uint256(uint160(owner_)) | (uint256(flags_) << 160) | (uint256(revealDays_) << 240));
    }

    function owner(TitleWord t) internal pure returns (address) {
        return address(uint160(TitleWord.unwrap(t)));
    }

    function flags(TitleWord t) internal pure returns (uint8) {
        return uint8(TitleWord.unwrap(t) >> 160);
    }

    function pledged(TitleWord t) internal pure returns (bool) {
        return flags(t) & PLEDGED != 0;
    }

    function disputed(TitleWord t) internal pure returns (bool) {
        return flags(t) & DISPUTED != 0;
    }

    function owesRoyalties(TitleWord t) internal pure returns (bool) {
        return flags(t) & OWES_ROYALTIES != 0;
    }

    function moves(TitleWord t) internal pure returns (uint24) {
        return uint24(TitleWord.unwrap(t) >> 168);
    }

    function pledges(TitleWord t) internal pure returns (uint24) {
        return uint24(TitleWord.unwrap(t) >> 192);
    }

    function encumbrances(TitleWord t) internal pure returns (uint24) {
        return uint24(TitleWord.unwrap(t) >> 216);
    }

    function revealDays(TitleWord t) internal pure returns (uint16) {
        return uint16(TitleWord.unwrap(t) >> 240);
    }
}
