// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {ERC1155Utils} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Utils.sol";

import {ILicenceLedger} from "../interfaces/ILicenceLedger.sol";
import {IProvenanceRegistry} from "../interfaces/IProvenanceRegistry.sol";
import {LicenceStorage} from "./LicenceStorage.sol";

/**
 * @title Sublicensing
 * @notice The licence ledger's sublicence issuance, deployed as a linked library (it runs by DELEGATECALL in the
 * ledger's storage, and its events are the ledger's). A sublicence is a one-grant offer of the work, closed from the
 * start, whose grant records its parent; its scope must fit inside the parent's. It never reserves scope of its own
 * (its root grant's offer does), so the work's offer book does not list it.
 */
library Sublicensing {
    /// @dev See {ILicenceLedger-issueSublicence}. One straight sequence of checks and writes, kept whole for review.
    /// The loop climbs the parent's chain: at most `MAX_SUBLICENCE_DEPTH` grants.
    // solhint-disable-next-line function-max-lines
    function issue(
        LicenceStorage.Layout storage s,
        IProvenanceRegistry registry,
        ILicenceLedger.GrantRef calldata parent,
        address licensee,
        ILicenceLedger.SublicenceTerms calldata terms
    ) external returns (ILicenceLedger.GrantRef memory ref) {
        uint256 parentGrantId = LicenceStorage.grantIdOf(parent.workId, parent.offerIndex, parent.serial);
        LicenceStorage.StoredGrant storage parentGrant = LicenceStorage.liveGrant(s, parentGrantId);
        if (parentGrant.holder != msg.sender) revert ILicenceLedger.NotGrantHolder(parentGrantId, msg.sender);
        // A grant whose own parent has ended permits nothing, and can grant nothing.
        uint256 depth = 1;
        for (uint256 id = s.parentGrants[parentGrantId]; id != 0; id = s.parentGrants[id]) {
            if (s.grants[id].state != LicenceStorage.LIVE) {
                revert ILicenceLedger.GrantEnded(parentGrantId, ILicenceLedger.GrantStatus.ParentEnded);
            }
            ++depth;
        }
        if (depth > LicenceStorage.MAX_SUBLICENCE_DEPTH) {
            revert ILicenceLedger.SublicenceTooDeep(parentGrantId, LicenceStorage.MAX_SUBLICENCE_DEPTH);
        }
        if (licensee == address(0)) revert ILicenceLedger.InvalidLicensee(licensee);
        ILicenceLedger.Offer storage parentOffer = s.offers[parent.workId][parent.offerIndex];
        if (parentOffer.uses & LicenceStorage.USE_SUBLICENSE == 0)
            revert ILicenceLedger.NotSublicensable(parentGrantId);
        LicenceStorage.checkScope(terms.uses, terms.fields, terms.worldwide, terms.territory);
        LicenceStorage.checkLegalText(terms.textHash, terms.textCid);
        uint40 start = terms.start < block.timestamp ? uint40(block.timestamp) : terms.start;
        uint40 end = terms.end == 0 ? LicenceStorage.FOREVER : terms.end;
        if (end <= start) revert ILicenceLedger.InvalidTerm(terms.start, terms.end, 0);
        _checkWithinParent(parentGrantId, parentGrant, parentOffer, terms, start, end);
        // A sublicence is a new grant: refused as sales are, and counted as an encumbrance of the work.
        LicenceStorage.checkLicensable(s, registry, parent.workId, registry.encumber(parent.workId));

        uint32 offerIndex = LicenceStorage.takeOfferIndex(s, parent.workId);
        bytes32 termsHash = keccak256(abi.encode(terms));
        ILicenceLedger.Offer storage offer = s.offers[parent.workId][offerIndex];
        offer.status = ILicenceLedger.OfferStatus.Closed;
        offer.uses = terms.uses;
        offer.fields = terms.fields;
        offer.transferable = terms.transferable;
        offer.supply = 1;
        offer.sold = 1;
        offer.start = start;
        offer.end = end;
        offer.termsHash = bytes20(termsHash);
        LicenceStorage.storeTerritory(offer, terms.territory);

        ref = ILicenceLedger.GrantRef(parent.workId, offerIndex, 1);
        uint256 grantId = LicenceStorage.grantIdOf(parent.workId, offerIndex, 1);
        s.grants[grantId] = LicenceStorage.StoredGrant(licensee, start, end, LicenceStorage.LIVE, terms.transferable);
        s.parentGrants[grantId] = parentGrantId;
        emit IERC1155.TransferSingle(msg.sender, address(0), licensee, grantId, 1);
        emit ILicenceLedger.SublicenceIssued(
            grantId,
            parentGrantId,
            parent.workId,
            offerIndex,
            msg.sender,
            licensee,
            termsHash,
            terms,
            start,
            end,
            uint64(block.timestamp)
        );
        ERC1155Utils.checkOnERC1155Received(msg.sender, address(0), licensee, grantId, 1, "");
    }

    function _checkWithinParent(
        uint256 parentGrantId,
        LicenceStorage.StoredGrant storage parentGrant,
        ILicenceLedger.Offer storage parentOffer,
        ILicenceLedger.SublicenceTerms calldata terms,
        uint40 start,
        uint40 end
    ) private view {
        if (terms.uses & ~parentOffer.uses != 0) revert ILicenceLedger.ScopeExceedsParent(parentGrantId, "uses");
        if (terms.transferable && !parentGrant.transferable) {
            revert ILicenceLedger.ScopeExceedsParent(parentGrantId, "transferable");
        }
        if (terms.fields & ~parentOffer.fields != 0) revert ILicenceLedger.ScopeExceedsParent(parentGrantId, "fields");
        if (parentOffer.territory[0] != 0 || parentOffer.territory[1] != 0 || parentOffer.territory[2] != 0) {
            if (
                terms.worldwide ||
                terms.territory[0] & ~parentOffer.territory[0] != 0 ||
                terms.territory[1] & ~parentOffer.territory[1] != 0 ||
                terms.territory[2] & ~parentOffer.territory[2] != 0
            ) revert ILicenceLedger.ScopeExceedsParent(parentGrantId, "territory");
        }
        if (start < parentGrant.start) revert ILicenceLedger.ScopeExceedsParent(parentGrantId, "start");
        if (end > parentGrant.end) revert ILicenceLedger.ScopeExceedsParent(parentGrantId, "end");
    }
}
