// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ILicenceLedger} from "../interfaces/ILicenceLedger.sol";
import {LicenceStorage} from "./LicenceStorage.sol";

/**
 * @title OfferBook
 * @notice The licence ledger's offer publication and exclusivity, deployed as a linked library (it runs by
 * DELEGATECALL in the ledger's storage, and its events are the ledger's).
 *
 * Each work keeps the list of its offers that may reserve scope: every offer published, until an exclusivity check
 * finds it dead (ended, unsold and closed or void, or a sole or exclusive offer whose one grant ended or lapsed) and
 * drops it. Sublicences never join it: a sublicence lies inside its root grant's scope and period, which the root
 * offer reserves. So a new offer's check reads at most `MAX_RESERVING_OFFERS` offers, however many offers and
 * sublicences the work has had.
 */
library OfferBook {
    /// @dev See {ILicenceLedger-createOffer}; the ledger has checked the caller's title and the currency. Reads at most
    /// `MAX_RESERVING_OFFERS` other offers (each one word, its grant for a sold sole or exclusive offer, and up to
    /// three territory words).
    function create(
        LicenceStorage.Layout storage s,
        uint256 workId,
        ILicenceLedger.LicenceTerms calldata terms,
        uint96 price,
        uint24 moves,
        uint8 currencyId
    ) external returns (uint32 offerIndex) {
        LicenceStorage.checkScope(terms.uses, terms.fields, terms.worldwide, terms.territory);
        LicenceStorage.checkLegalText(terms.textHash, terms.textCid);
        if (terms.derivativeRoyaltyBps > LicenceStorage.BPS) {
            revert ILicenceLedger.DerivativeRoyaltyTooHigh(terms.derivativeRoyaltyBps);
        }
        if (terms.kind != ILicenceLedger.LicenceKind.NonExclusive && terms.supply != 1) {
            revert ILicenceLedger.InvalidSupply(terms.kind, terms.supply);
        }
        uint40 start = terms.start < block.timestamp ? uint40(block.timestamp) : terms.start;
        uint40 end = terms.end == 0 ? LicenceStorage.FOREVER : terms.end;
        if (end <= start) revert ILicenceLedger.InvalidTerm(terms.start, terms.end, terms.duration);

        offerIndex = _reserve(s, workId, moves, terms, start, end);
        bytes32 termsHash = keccak256(abi.encode(terms));
        ILicenceLedger.Offer storage offer = s.offers[workId][offerIndex];
        offer.kind = terms.kind;
        offer.status = ILicenceLedger.OfferStatus.Open;
        offer.uses = terms.uses;
        offer.fields = terms.fields;
        offer.transferable = terms.transferable;
        offer.supply = terms.supply;
        offer.start = start;
        offer.end = end;
        offer.duration = terms.duration;
        offer.currencyId = currencyId;
        offer.moves = moves;
        offer.derivativeRoyaltyBps = terms.derivativeRoyaltyBps;
        offer.termsHash = bytes20(termsHash);
        offer.price = price;
        LicenceStorage.storeTerritory(offer, terms.territory);
        emit ILicenceLedger.OfferCreated(
            workId,
            offerIndex,
            msg.sender,
            termsHash,
            terms,
            price,
            uint64(block.timestamp)
        );
    }

    /// @dev Checks the new offer against every reserving offer, dropping the dead ones, and adds it to the list;
    /// returns its index. Refuses an overlap with a live offer when either is sole or exclusive.
    function _reserve(
        LicenceStorage.Layout storage s,
        uint256 workId,
        uint24 moves,
        ILicenceLedger.LicenceTerms calldata terms,
        uint40 start,
        uint40 end
    ) private returns (uint32 offerIndex) {
        uint256 book = s.offerBooks[workId];
        offerIndex = uint32(book);
        uint256 count = uint8(book >> 32);
        bool exclusive = terms.kind != ILicenceLedger.LicenceKind.NonExclusive;
        for (uint256 i; i < count;) {
            uint32 index = _entry(s, workId, book, i);
            ILicenceLedger.Offer storage other = s.offers[workId][index];
            if (!_reserves(s, workId, index, other, moves)) {
                // Dead for good: the last entry takes its place, and is checked next.
                --count;
                if (i != count) book = _setEntry(s, workId, book, i, _entry(s, workId, book, count));
                continue;
            }
            if (
                (exclusive || other.kind != ILicenceLedger.LicenceKind.NonExclusive) &&
                _overlaps(other, terms, start, end)
            ) revert ILicenceLedger.ExclusivityConflict(workId, index);
            ++i;
        }
        if (count == LicenceStorage.MAX_RESERVING_OFFERS) {
            revert ILicenceLedger.TooManyOffers(workId, LicenceStorage.MAX_RESERVING_OFFERS);
        }
        book = _setEntry(s, workId, book, count, offerIndex);
        // The offer count (low 32 bits) grows by one; the reserving count is rewritten.
        book = ((book + 1) & ~(uint256(0xff) << 32)) | ((count + 1) << 32);
        s.offerBooks[workId] = book;
    }

    /// @dev Whether an offer still holds its scope: not past its end (no grant runs later), and either unsold but
    /// still able to sell (not closed, made by the current holder), sold non-exclusively, or a sole or exclusive offer
    /// whose one grant is live and has not lapsed (a lapsed grant cannot be renewed).
    function _reserves(
        LicenceStorage.Layout storage s,
        uint256 workId,
        uint32 index,
        ILicenceLedger.Offer storage offer,
        uint24 moves
    ) private view returns (bool) {
        if (block.timestamp >= offer.end) return false;
        if (offer.sold == 0) return offer.status != ILicenceLedger.OfferStatus.Closed && offer.moves == moves;
        if (offer.kind == ILicenceLedger.LicenceKind.NonExclusive) return true;
        LicenceStorage.StoredGrant storage grant = s.grants[LicenceStorage.grantIdOf(workId, index, 1)];
        return grant.state == LicenceStorage.LIVE && block.timestamp < grant.end;
    }

    /// @dev Whether two scopes (period × fields × territory) overlap.
    function _overlaps(
        ILicenceLedger.Offer storage other,
        ILicenceLedger.LicenceTerms calldata terms,
        uint40 start,
        uint40 end
    ) private view returns (bool) {
        if (start >= other.end || other.start >= end) return false;
        if (terms.fields & other.fields == 0) return false;
        if (terms.worldwide || LicenceStorage.isWorldwide(other)) return true;
        return
            terms.territory[0] & other.territory[0] != 0 ||
            terms.territory[1] & other.territory[1] != 0 ||
            terms.territory[2] & other.territory[2] != 0;
    }

    function _entry(
        LicenceStorage.Layout storage s,
        uint256 workId,
        uint256 book,
        uint256 i
    ) private view returns (uint32) {
        if (i < LicenceStorage.INLINE_RESERVING) return uint32(book >> (40 + 32 * i));
        uint256 j = i - LicenceStorage.INLINE_RESERVING;
        return uint32(s.reservingOverflow[workId][j >> 3] >> (32 * (j & 7)));
    }

    /// @dev Writes entry `i`; returns the book with it when the entry is inline (the caller stores the book once).
    function _setEntry(
        LicenceStorage.Layout storage s,
        uint256 workId,
        uint256 book,
        uint256 i,
        uint32 value
    ) private returns (uint256) {
        if (i < LicenceStorage.INLINE_RESERVING) {
            uint256 inlineShift = 40 + 32 * i;
            return (book & ~(uint256(type(uint32).max) << inlineShift)) | (uint256(value) << inlineShift);
        }
        uint256 j = i - LicenceStorage.INLINE_RESERVING;
        uint256 shift = 32 * (j & 7);
        mapping(uint256 word => uint256 packed) storage words = s.reservingOverflow[workId];
        words[j >> 3] = (words[j >> 3] & ~(uint256(type(uint32).max) << shift)) | (uint256(value) << shift);
        return book;
    }
}
