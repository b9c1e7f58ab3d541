// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ILicenceLedger} from "../interfaces/ILicenceLedger.sol";
import {LicenceStorage} from "./LicenceStorage.sol";

/**
 * @title RevenueSplits
 * @notice The licence ledger's revenue splits, deployed as a linked library (it runs by DELEGATECALL in the ledger's
 * storage, and its events are the ledger's).
 *
 * Each split is a version: purchases credit the current version's pot (one warm word for the native coin), and a
 * change of payees opens a new version, so money already earned stays with the payees it was earned for. A release
 * divides what arrived since the previous release by cumulative shares, which is exact to the wei.
 */
library RevenueSplits {
    uint256 internal constant MAX_PAYEES = 16;
    uint256 private constant _BPS = 10_000;

    /// @dev See {ILicenceLedger-setSplits}; the caller has checked that `msg.sender` holds the work. The loops run over
    /// at most `MAX_PAYEES` payees (the duplicate check, over pairs of them).
    function set(
        LicenceStorage.Layout storage s,
        uint256 workId,
        ILicenceLedger.Payee[] calldata payees,
        uint32 moves
    ) external {
        uint256 count = payees.length;
        if (count > MAX_PAYEES) revert ILicenceLedger.TooManyPayees(count, MAX_PAYEES);
        uint256 total;
        for (uint256 i; i < count; ++i) {
            address account = payees[i].account;
            if (account == address(0) || payees[i].shareBps == 0) revert ILicenceLedger.InvalidPayee(account);
            for (uint256 j; j < i; ++j) {
                if (payees[j].account == account) revert ILicenceLedger.InvalidPayee(account);
            }
            total += payees[i].shareBps;
        }
        if (count != 0 && total != _BPS) revert ILicenceLedger.InvalidShares(total);

        LicenceStorage.WorkState storage work = s.works[workId];
        uint32 previous = work.splitVersion;
        uint128 nativePot = work.nativePot;
        if (nativePot != 0) {
            s.pots[LicenceStorage.potKey(workId, previous, 0)] += nativePot;
            work.nativePot = 0;
        }
        uint32 version = previous + 1;
        work.splitVersion = version;
        work.splitMoves = moves;
        work.splitActive = count != 0;
        LicenceStorage.Split storage split = s.splits[LicenceStorage.splitKey(workId, version)];
        split.owner = msg.sender;
        for (uint256 i; i < count; ++i) split.payees.push(payees[i]);
        emit ILicenceLedger.SplitsSet(workId, version, msg.sender, payees, uint64(block.timestamp));
    }

    /// @dev See {ILicenceLedger-release}. Payee i gets floor(a * c_i / B) - floor(a * c_{i-1} / B) of the new amount
    /// `a`, with c_i the cumulative share: never negative, and the parts sum to exactly `a`. The loop runs over the
    /// split's payees, at most `MAX_PAYEES`.
    function release(
        LicenceStorage.Layout storage s,
        mapping(address account => mapping(uint8 currencyId => uint256 amount)) storage owed,
        uint256 workId,
        uint32 version,
        uint8 currencyId,
        address currency
    ) external returns (uint256 amount) {
        LicenceStorage.Split storage split = s.splits[LicenceStorage.splitKey(workId, version)];
        if (split.owner == address(0)) revert ILicenceLedger.UnknownSplit(workId, version);
        bytes32 key = LicenceStorage.potKey(workId, version, currencyId);
        uint256 total = LicenceStorage.potTotal(s, workId, version, currencyId, key);
        amount = total - s.released[key];
        uint256 count = split.payees.length;
        if (amount == 0 || count == 0) revert ILicenceLedger.NothingToRelease(workId, version, currency);
        s.released[key] = total;

        uint256 cumulative;
        uint256 before;
        for (uint256 i; i < count; ++i) {
            ILicenceLedger.Payee memory payee = split.payees[i];
            cumulative += payee.shareBps;
            uint256 upTo = (amount * cumulative) / _BPS;
            owed[payee.account][currencyId] += upTo - before;
            emit ILicenceLedger.RevenueReleased(
                workId,
                version,
                payee.account,
                currency,
                upTo - before,
                uint64(block.timestamp)
            );
            before = upTo;
        }
    }
}
