// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ILicenceLedger} from "../interfaces/ILicenceLedger.sol";
import {IProvenanceRegistry} from "../interfaces/IProvenanceRegistry.sol";
import {TitleWord} from "./TitleWord.sol";
import {LicenceStorage} from "./LicenceStorage.sol";

/**
 * @title DerivativeRoyalties
 * @notice The licence ledger's derivative royalties, deployed as a linked library (it runs by DELEGATECALL in the
 * ledger's storage, and its events are the ledger's).
 *
 * When the registry registers a derivative under a licence, the licence's `derivativeRoyaltyBps` becomes an edge from
 * the derivative to the licensed work. A payment walks the edges above the paying work: each parent gets its share,
 * keeps it less what it owes its own parents, and passes that on. A work's tree of edges (its own, and each parent's
 * tree again, counted once per path) holds at most `MAX_ROYALTY_EDGES`, checked at registration, so a payment credits
 * at most that many parents whoever registers what later.
 */
library DerivativeRoyalties {
    /// @dev Most royalty edges in the tree above a work.
    uint256 internal constant MAX_ROYALTY_EDGES = 8;

    uint8 private constant _USE_ADAPT = 8;

    /// @dev See {IDerivativeAuthority-authoriseDerivative}; the ledger has checked that the registry calls.
    function authorise(
        LicenceStorage.Layout storage s,
        address registrant,
        uint256 workId,
        uint256 parentId
    ) external returns (uint256 grantId, uint16 royaltyBps) {
        grantId = derivativeGrantOf(s, registrant, parentId);
        if (grantId == 0) return (0, 0);
        uint64 packed = s.derivativeGrants[registrant][parentId];
        royaltyBps = s.offers[parentId][uint32(packed >> 32)].derivativeRoyaltyBps;
        if (royaltyBps != 0) {
            LicenceStorage.WorkState storage work = s.works[workId];
            uint256 index = work.royaltyParents;
            uint256 totalBps = work.royaltyBps + uint256(royaltyBps);
            if (totalBps > LicenceStorage.BPS) revert ILicenceLedger.DerivativeRoyaltiesTooHigh(workId, totalBps);
            uint256 edges = work.royaltyEdges + 1 + uint256(s.works[parentId].royaltyEdges);
            if (edges > MAX_ROYALTY_EDGES) {
                revert ILicenceLedger.RoyaltyLineageTooLarge(workId, edges, MAX_ROYALTY_EDGES);
            }
            s.royaltyParentIds[workId][index] = parentId;
            s.royaltyShares[workId] |= uint256(royaltyBps) << (16 * index);
            work.royaltyParents = uint8(index + 1);
            work.royaltyBps = uint16(totalBps);
            work.royaltyEdges = uint8(edges);
        }
        emit ILicenceLedger.DerivativeLicensed(workId, parentId, grantId, royaltyBps, uint64(block.timestamp));
    }

    /// @dev See {IDerivativeAuthority-clearDerivative}: at most `MAX_ROYALTY_EDGES` parents.
    function clear(LicenceStorage.Layout storage s, uint256 workId) external {
        LicenceStorage.WorkState storage work = s.works[workId];
        uint256 count = work.royaltyParents;
        for (uint256 i; i < count; ++i) delete s.royaltyParentIds[workId][i];
        delete s.royaltyShares[workId];
        work.royaltyParents = 0;
        work.royaltyBps = 0;
        work.royaltyEdges = 0;
        emit ILicenceLedger.DerivativeRoyaltiesCleared(workId, uint64(block.timestamp));
    }

    /// @dev Credits `amount`, the royalty `workId` owes, to its parents by their rates, and on up the lineage.
    function pay(
        LicenceStorage.Layout storage s,
        mapping(address account => mapping(uint8 currencyId => uint256 amount)) storage owed,
        IProvenanceRegistry registry,
        uint256 workId,
        uint8 currencyId,
        address currency,
        uint256 amount
    ) external {
        _payParents(s, owed, registry, workId, currencyId, currency, amount);
    }

    /// @dev The grant `registrant` named for derivatives of `parentId`, if it permits adaptation now; else zero.
    function derivativeGrantOf(
        LicenceStorage.Layout storage s,
        address registrant,
        uint256 parentId
    ) public view returns (uint256) {
        uint64 packed = s.derivativeGrants[registrant][parentId];
        if (packed == 0) return 0;
        ILicenceLedger.GrantRef memory ref = ILicenceLedger.GrantRef(parentId, uint32(packed >> 32), uint32(packed));
        if (!LicenceStorage.permits(s, ref, registrant, _USE_ADAPT, bytes2(0), 0, uint64(block.timestamp))) return 0;
        return LicenceStorage.grantIdOf(ref.workId, ref.offerIndex, ref.serial);
    }

    /// @dev See {ILicenceLedger-royaltyParentsOf}.
    function parentsOf(
        LicenceStorage.Layout storage s,
        uint256 workId
    ) external view returns (ILicenceLedger.RoyaltyParent[] memory parents) {
        uint256 count = s.works[workId].royaltyParents;
        uint256 shares = s.royaltyShares[workId];
        parents = new ILicenceLedger.RoyaltyParent[](count);
        for (uint256 i; i < count; ++i) {
            parents[i] = ILicenceLedger.RoyaltyParent(s.royaltyParentIds[workId][i], uint16(shares >> (16 * i)));
        }
    }

    /// @dev Divides `amount` among `childId`'s parents by cumulative rates, so the parts sum to `amount` exactly.
    function _payParents(
        LicenceStorage.Layout storage s,
        mapping(address account => mapping(uint8 currencyId => uint256 amount)) storage owed,
        IProvenanceRegistry registry,
        uint256 childId,
        uint8 currencyId,
        address currency,
        uint256 amount
    ) private {
        LicenceStorage.WorkState storage child = s.works[childId];
        uint256 count = child.royaltyParents;
        uint256 totalBps = child.royaltyBps;
        uint256 shares = count == 1 ? totalBps : s.royaltyShares[childId];
        uint256 cumulative;
        uint256 paid;
        for (uint256 i; i < count; ++i) {
            cumulative += uint16(shares >> (16 * i));
            uint256 upTo = (amount * cumulative) / totalBps;
            uint256 part = upTo - paid;
            paid = upTo;
            if (part != 0) {
                uint256 parentId = s.royaltyParentIds[childId][i];
                _payParent(s, owed, registry, childId, parentId, currencyId, currency, part);
            }
        }
    }

    /// @dev Credits one parent its part, less what it owes its own parents, which goes on up.
    function _payParent(
        LicenceStorage.Layout storage s,
        mapping(address account => mapping(uint8 currencyId => uint256 amount)) storage owed,
        IProvenanceRegistry registry,
        uint256 childId,
        uint256 parentId,
        uint8 currencyId,
        address currency,
        uint256 amount
    ) private {
        uint256 upstream = (amount * s.works[parentId].royaltyBps) / LicenceStorage.BPS;
        TitleWord title = registry.titleWordOf(parentId);
        (uint32 version, address payee) = LicenceStorage.credit(
            s,
            owed,
            parentId,
            title.owner(),
            title.moves(),
            currencyId,
            amount - upstream
        );
        emit ILicenceLedger.RoyaltyCredited(
            childId,
            parentId,
            currency,
            amount,
            upstream,
            version,
            payee,
            uint64(block.timestamp)
        );
        if (upstream != 0) _payParents(s, owed, registry, parentId, currencyId, currency, upstream);
    }
}
