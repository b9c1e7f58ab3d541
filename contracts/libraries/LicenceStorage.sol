// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ILicenceLedger} from "../interfaces/ILicenceLedger.sol";
import {IPayments} from "../interfaces/IPayments.sol";
import {IProvenanceRegistry} from "../interfaces/IProvenanceRegistry.sol";
import {TitleWord} from "./TitleWord.sol";
import {Cid} from "./Cid.sol";

/**
 * @title LicenceStorage
 * @notice The licence ledger's storage layout and the rules shared by the ledger and its linked libraries (the
 * ledger is split so that each deployed piece stays under the 24 KiB code limit).
 */
library LicenceStorage {
    uint8 internal constant USE_ADAPT = 8;
    uint8 internal constant USE_SUBLICENSE = 32;
    uint8 internal constant ALL_USES = 63;

    uint40 internal constant FOREVER = type(uint40).max;
    /// Bits 164.. of the third territory word lie past "ZZ" (index 675).
    uint256 internal constant TERRITORY_TAIL = type(uint256).max << 164;

    uint8 internal constant LIVE = 1;
    uint8 internal constant TERMINATED = 2;
    uint8 internal constant SURRENDERED = 3;

    uint256 internal constant BPS = 10_000;

    /// Levels a sublicence may sit below its root grant, which bounds every loop up a sublicence chain.
    uint256 internal constant MAX_SUBLICENCE_DEPTH = 8;

    /// Offers that may reserve scope, kept per work so that a new offer's exclusivity check never reads more than
    /// this many (sublicences and dead offers are not among them).
    uint256 internal constant MAX_RESERVING_OFFERS = 64;
    /// Reserving offers kept in the offer book's own word; the rest go eight to a word in `reservingOverflow`.
    uint256 internal constant INLINE_RESERVING = 6;

    struct WorkState {
        uint32 splitVersion;
        /// The holder's `moves` when the current split was set: the split binds only the holder that set it.
        uint32 splitMoves;
        bool splitActive;
        /// Native-coin revenue of the current split version (moved to `pots` when the split changes).
        uint128 nativePot;
        /// Sum of the derivative royalty rates this work owes its parents, in basis points of what it earns.
        uint16 royaltyBps;
        /// Parents owed a royalty (their ids in `royaltyParentIds`, their rates in `royaltyShares`).
        uint8 royaltyParents;
        /// Royalty edges in the tree above this work: each parent's edge and the parent's own tree.
        uint8 royaltyEdges;
    }

    /// @dev One word: a purchase writes exactly this fresh slot.
    struct StoredGrant {
        address holder;
        uint40 start;
        uint40 end;
        uint8 state;
        bool transferable;
    }

    struct Split {
        address owner;
        ILicenceLedger.Payee[] payees;
    }

    struct Layout {
        mapping(uint256 workId => WorkState) works;
        mapping(uint256 workId => mapping(uint32 offerIndex => ILicenceLedger.Offer)) offers;
        mapping(uint256 grantId => StoredGrant) grants;
        mapping(uint256 grantId => uint256 parentGrantId) parentGrants;
        mapping(bytes32 splitKey => Split) splits;
        mapping(bytes32 potKey => uint256 amount) pots;
        mapping(bytes32 potKey => uint256 amount) released;
        /// The registry's `pledges` count of the pledge whose pledgee consented to sales (zero: none).
        mapping(uint256 workId => uint32 pledge) pledgeConsent;
        mapping(address holder => mapping(uint256 workId => uint64 packedRef)) derivativeGrants;
        /// Per work, one word: bits 0-31 the offer count, 32-39 how many offers may reserve scope, then the first
        /// `INLINE_RESERVING` of their indexes, 32 bits each.
        mapping(uint256 workId => uint256 packed) offerBooks;
        /// Reserving offer indexes past the inline ones, eight 32-bit indexes per word.
        mapping(uint256 workId => mapping(uint256 word => uint256 packed)) reservingOverflow;
        mapping(uint256 workId => mapping(uint256 index => uint256 parentId)) royaltyParentIds;
        /// Per work, the royalty rate owed to each parent, 16 bits each in `royaltyParentIds` order.
        mapping(uint256 workId => uint256 packed) royaltyShares;
    }

    function liveGrant(Layout storage s, uint256 grantId) internal view returns (StoredGrant storage grant) {
        grant = s.grants[grantId];
        uint8 state = grant.state;
        if (state == 0) revert ILicenceLedger.UnknownGrant(grantId);
        if (state != LIVE) {
            revert ILicenceLedger.GrantEnded(
                grantId,
                state == TERMINATED ? ILicenceLedger.GrantStatus.Terminated : ILicenceLedger.GrantStatus.Surrendered
            );
        }
    }

    /// @dev The number of offers (and sublicences) of a work.
    function offerCount(Layout storage s, uint256 workId) internal view returns (uint32) {
        return uint32(s.offerBooks[workId]);
    }

    /// @dev Takes the next offer index of a work without making it a reserving offer (a sublicence's).
    function takeOfferIndex(Layout storage s, uint256 workId) internal returns (uint32 index) {
        uint256 book = s.offerBooks[workId];
        index = uint32(book);
        s.offerBooks[workId] = book + 1;
    }

    /// @dev Refuses a sale or a sublicence of a work that is disputed, or pledged without the consent of the pledgee
    /// of this pledge.
    function checkLicensable(
        Layout storage s,
        IProvenanceRegistry registry,
        uint256 workId,
        TitleWord title
    ) internal view {
        if (title.disputed()) revert IPayments.WorkDisputed(workId);
        if (title.pledged() && s.pledgeConsent[workId] != title.pledges()) {
            revert IPayments.WorkPledged(workId, registry.pledgeOf(workId).pledgee);
        }
    }

    /// @dev Credits `amount` of a work's revenue to its split pot when a split set by the current holder is in force,
    /// else to the holder; returns the current split version and the account credited (zero for the pot).
    function credit(
        Layout storage s,
        mapping(address account => mapping(uint8 currencyId => uint256 amount)) storage owed,
        uint256 workId,
        address holder,
        uint32 moves,
        uint8 currencyId,
        uint256 amount
    ) internal returns (uint32 version, address payee) {
        WorkState storage work = s.works[workId];
        version = work.splitVersion;
        if (work.splitActive && work.splitMoves == moves) {
            if (currencyId != 0) s.pots[potKey(workId, version, currencyId)] += amount;
            else {
                uint256 pot = work.nativePot + amount;
                if (pot > type(uint128).max) revert IPayments.AmountTooLarge(pot);
                work.nativePot = uint128(pot);
            }
        } else {
            payee = holder;
            owed[holder][currencyId] += amount;
        }
    }

    /// @dev Whether grant `ref` allowed `account` the uses `use` in every field of `field` at `time`. `country == 0`
    /// and `field == 0` skip those checks (the registry's derivative question has neither). The loop climbs the
    /// sublicence chain: at most `MAX_SUBLICENCE_DEPTH` grants.
    function permits(
        Layout storage s,
        ILicenceLedger.GrantRef memory ref,
        address account,
        uint8 use,
        bytes2 country,
        uint16 field,
        uint64 time
    ) internal view returns (bool) {
        uint256 grantId = grantIdOf(ref.workId, ref.offerIndex, ref.serial);
        StoredGrant memory grant = s.grants[grantId];
        if (grant.state == 0 || grant.holder != account) return false;
        if (time < grant.start || time >= grant.end) return false;
        ILicenceLedger.Offer storage offer = s.offers[ref.workId][ref.offerIndex];
        if (offer.uses & use != use || use == 0) return false;
        if (offer.fields & field != field) return false;
        if (country != bytes2(0) && !isWorldwide(offer)) {
            uint256 bit = countryBit(country);
            if ((offer.territory[bit >> 8] >> (bit & 255)) & 1 == 0) return false;
        }
        // A sublicence permits only while every grant above it did.
        for (uint256 id = s.parentGrants[grantId]; id != 0; id = s.parentGrants[id]) {
            StoredGrant memory parent = s.grants[id];
            if (time < parent.start || time >= parent.end) return false;
        }
        return true;
    }

    function isWorldwide(ILicenceLedger.Offer storage offer) internal view returns (bool) {
        return offer.territory[0] == 0 && offer.territory[1] == 0 && offer.territory[2] == 0;
    }

    function grantIdOf(uint256 workId, uint32 offerIndex, uint32 serial) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(workId, offerIndex, serial)));
    }

    function packRef(uint32 offerIndex, uint32 serial) internal pure returns (uint64) {
        return (uint64(offerIndex) << 32) | serial;
    }

    function checkScope(uint8 uses, uint16 fields, bool worldwide, uint256[3] calldata territory) internal pure {
        if (uses == 0 || uses & ~ALL_USES != 0) revert ILicenceLedger.InvalidUses(uses);
        if (fields == 0) revert ILicenceLedger.InvalidFields(fields);
        bool none = territory[0] == 0 && territory[1] == 0 && territory[2] == 0;
        if (worldwide != none || territory[2] & TERRITORY_TAIL != 0) revert ILicenceLedger.InvalidTerritory(worldwide);
    }

    function checkLegalText(bytes32 textHash, bytes calldata textCid) internal pure {
        (, , bool ok) = Cid.parse(textCid);
        if (textHash == bytes32(0) || !ok) revert ILicenceLedger.InvalidLegalText(textHash, textCid);
    }

    /// @dev Only non-zero words are written: a one-country territory costs one slot. The loop runs three times.
    function storeTerritory(ILicenceLedger.Offer storage offer, uint256[3] calldata territory) internal {
        for (uint256 i; i < 3; ++i) {
            if (territory[i] != 0) offer.territory[i] = territory[i];
        }
    }

    /// @dev Bit index of an ISO 3166-1 alpha-2 code ("CN" is 2 * 26 + 13 = 65); zero for the empty code.
    function countryBit(bytes2 country) internal pure returns (uint256) {
        if (country == bytes2(0)) return 0;
        uint8 a = uint8(country[0]);
        uint8 b = uint8(country[1]);
        if (a < 0x41 || a > 0x5a || b < 0x41 || b > 0x5a) revert ILicenceLedger.InvalidCountry(country);
        return uint256(a - 0x41) * 26 + (b - 0x41);
    }

    function splitKey(uint256 workId, uint32 version) internal pure returns (bytes32) {
        return keccak256(abi.encode(workId, version));
    }

    function potKey(uint256 workId, uint32 version, uint8 currencyId) internal pure returns (bytes32) {
        return keccak256(abi.encode(workId, version, currencyId));
    }

    /// @dev Revenue of split `version` in a currency: its pot, plus the work's native pot while it is current.
    function potTotal(
        Layout storage s,
        uint256 workId,
        uint32 version,
        uint8 currencyId,
        bytes32 key
    ) internal view returns (uint256 total) {
        total = s.pots[key];
        if (currencyId == 0) {
            WorkState storage work = s.works[workId];
            if (version == work.splitVersion) total += work.nativePot;
        }
    }
}
