// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {ILicenceLedger} from "../interfaces/ILicenceLedger.sol";
import {IProvenanceRegistry} from "../interfaces/IProvenanceRegistry.sol";

/// @dev Drives the real registry and licence ledger in bulk, for the indexer's benchmark and tests: one `act` is one
/// transaction that registers works, offers a licence of each, sells one licence of each to `buyer`, and assigns every
/// other work to `peer` (about six events per work).
contract BulkActor is IERC1155Receiver {
    IProvenanceRegistry public immutable REGISTRY;
    ILicenceLedger public immutable LEDGER;

    constructor(IProvenanceRegistry registry_, ILicenceLedger ledger_) {
        REGISTRY = registry_;
        LEDGER = ledger_;
    }

    /// @notice Acts on works `first` to `first + count - 1` of `salt`; `msg.value` pays `price` per licence.
    function act(
        bytes32 salt,
        uint256 first,
        uint256 count,
        uint256 price,
        BulkActor buyer,
        address peer
    ) external payable {
        (ILicenceLedger.LicenceTerms memory terms, bytes32 termsHash) = _terms(salt);
        for (uint256 i = first; i < first + count; ++i) {
            bytes32 contentHash = keccak256(abi.encode(salt, i));
            bytes memory metadataCid = abi.encodePacked(bytes4(0x01551220), contentHash);
            _actOn(contentHash, metadataCid, terms, termsHash, price, buyer, i % 2 == 1 ? peer : address(0));
        }
    }

    /// @notice As `act`, with each work's metadata CID given (`metadataCids[j]` is work `first + j`'s).
    function actWith(
        bytes32 salt,
        uint256 first,
        bytes[] calldata metadataCids,
        uint256 price,
        BulkActor buyer,
        address peer
    ) external payable {
        (ILicenceLedger.LicenceTerms memory terms, bytes32 termsHash) = _terms(salt);
        for (uint256 j = 0; j < metadataCids.length; ++j) {
            uint256 i = first + j;
            _actOn(
                keccak256(abi.encode(salt, i)),
                metadataCids[j],
                terms,
                termsHash,
                price,
                buyer,
                i % 2 == 1 ? peer : address(0)
            );
        }
    }

    function _terms(bytes32 salt) private pure returns (ILicenceLedger.LicenceTerms memory terms, bytes32 termsHash) {
        terms.uses = 7;
        terms.fields = type(uint16).max;
        terms.worldwide = true;
        terms.textHash = salt;
        terms.textCid = abi.encodePacked(bytes4(0x01551220), salt);
        termsHash = keccak256(abi.encode(terms));
    }

    /// @dev Registers one work, offers a licence of it, sells one to `buyer`, and assigns it to `peer` unless zero.
    function _actOn(
        bytes32 contentHash,
        bytes memory metadataCid,
        ILicenceLedger.LicenceTerms memory terms,
        bytes32 termsHash,
        uint256 price,
        BulkActor buyer,
        address peer
    ) private {
        uint256 workId = REGISTRY.register(
            IProvenanceRegistry.Registration({
                to: address(this),
                contentHash: contentHash,
                metadataCid: metadataCid,
                royaltyReceiver: address(0),
                royaltyBps: 0,
                parents: new uint256[](0)
            })
        );
        uint32 offerIndex = LEDGER.createOffer(workId, terms, price);
        buyer.buy{value: price}(workId, offerIndex, termsHash, price);
        if (peer != address(0)) IERC721(address(REGISTRY)).transferFrom(address(this), peer, workId);
    }

    /// @notice Buys one licence of an offer for this contract.
    function buy(uint256 workId, uint32 offerIndex, bytes32 termsHash, uint256 price) external payable {
        LEDGER.buyLicence{value: price}(workId, offerIndex, termsHash, price, address(this));
    }

    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external pure returns (bytes4) {
        return IERC1155Receiver.onERC1155Received.selector;
    }

    function onERC1155BatchReceived(
        address,
        address,
        uint256[] calldata,
        uint256[] calldata,
        bytes calldata
    ) external pure returns (bytes4) {
        return IERC1155Receiver.onERC1155BatchReceived.selector;
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC1155Receiver).interfaceId || interfaceId == type(IERC165).interfaceId;
    }
}
