// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ILicenceLedger} from "../interfaces/ILicenceLedger.sol";
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

    struct WorkState {
        uint32 offerCount;
        uint32 splitVersion;
        /// The holder's `moves` when the current split was set: the split binds only the holder that set it.
        uint32 splitMoves;
        bool splitActive;
        /// Native-coin revenue of the current split version (moved to `pots` when the split changes).
        uint128 nativePot;
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
        mapping(uint256 workId => address pledgee) pledgeeConsent;
        mapping(address holder => mapping(uint256 workId => uint64 packedRef)) derivativeGrants;
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

    /// @dev Only non-zero words are written: a one-country territory costs one slot.
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
