// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

// The structs here are arguments and return values, never storage: their packing costs nothing.
// solhint-disable gas-struct-packing

/**
 * @title ILicenceLedger
 * @notice Licences of registered works. The owner of a work publishes licence offers; buying one mints an ERC-1155
 * licence token (one id per grant, supply 1) that records the grant. Terms are enforced on-chain: exclusivity, term,
 * supply, sublicence scope, and the derivative right the provenance registry asks about. Revenue is split among the
 * work's payees and paid by pull.
 *
 * Offers live in their work's namespace: `(workId, offerIndex)`, indexes counting from 0. A grant is the `serial`-th
 * sale of an offer (from 1); its token id is `uint256(keccak256(abi.encode(workId, offerIndex, serial)))`.
 *
 * Derivative royalties: a work registered as a derivative under a licence whose terms set `derivativeRoyaltyBps` owes
 * that share of everything it earns (licence revenue after the platform fee, a sale's proceeds after the fee and the
 * ERC-2981 royalty) to the parent's payees, credited in the same transaction; a parent that is itself a derivative
 * passes its own share of that income up in turn. The tree of royalty edges above a work holds at most
 * `MAX_ROYALTY_EDGES` edges, so a payment credits at most that many parents.
 */
interface ILicenceLedger {
    /// @notice Non-exclusive: any number of licensees. Sole: no other licence overlaps, the owner keeps using the work.
    /// Exclusive: no other licence overlaps, and the owner gives up using the work in that scope (off-chain duty).
    enum LicenceKind {
        NonExclusive,
        Sole,
        Exclusive
    }

    enum OfferStatus {
        None,
        Open,
        Paused,
        Closed
    }

    enum GrantStatus {
        None,
        /// Bought, starts later.
        Scheduled,
        Active,
        Expired,
        /// Ended by the licensor.
        Terminated,
        /// Given up by the licensee.
        Surrendered,
        /// A sublicence whose parent grant was terminated or surrendered.
        ParentEnded
    }

    /// @notice What a licence offer grants. Times are Unix seconds.
    struct LicenceTerms {
        LicenceKind kind;
        /// Bit set of `USE_*` (reproduce, distribute, display, adapt, commercial, sublicense).
        uint8 uses;
        /// Bit set of fields of use (`core/licence.ts` names the sixteen bits); `0xffff` is every field.
        uint16 fields;
        /// Whether the licence token may be transferred by its holder.
        bool transferable;
        /// Worldwide, or the countries in `territory`.
        bool worldwide;
        /// ISO 3166-1 alpha-2 countries as a 676-bit set: code "XY" is bit `(X - 'A') * 26 + (Y - 'A')`.
        uint256[3] territory;
        /// No grant starts before this (0: from purchase).
        uint40 start;
        /// No grant runs past this (0: perpetual).
        uint40 end;
        /// 0: a grant runs from purchase (or `start`) to `end`. Otherwise a grant runs `duration` seconds from
        /// purchase, capped at `end`, and can be renewed.
        uint32 duration;
        /// Most grants this offer sells (0: unlimited). Sole and exclusive offers sell exactly one.
        uint24 supply;
        /// Share, in basis points, of everything a derivative registered under this licence earns that it owes the
        /// licensed work's payees (collected on every licence sale, renewal and sale of the derivative).
        uint16 derivativeRoyaltyBps;
        /// Currency of the price (zero address: the native coin).
        address currency;
        /// sha256 of the legal text (one file may carry both Chinese and English).
        bytes32 textHash;
        /// Binary CIDv1 of the legal text.
        bytes textCid;
    }

    /// @notice What a sublicence grants; it must fit inside the parent grant's scope.
    struct SublicenceTerms {
        uint8 uses;
        uint16 fields;
        bool transferable;
        bool worldwide;
        uint256[3] territory;
        /// 0: now.
        uint40 start;
        /// 0: perpetual (only under a perpetual parent).
        uint40 end;
        bytes32 textHash;
        bytes textCid;
    }

    /// @notice A grant's coordinates.
    struct GrantRef {
        uint256 workId;
        uint32 offerIndex;
        uint32 serial;
    }

    /// @notice An offer as stored: two words, then the territory words that are not zero. Worldwide is an empty
    /// territory; the legal text is in the terms hash and in {OfferCreated}.
    struct Offer {
        LicenceKind kind;
        OfferStatus status;
        uint8 uses;
        uint16 fields;
        bool transferable;
        uint24 supply;
        uint24 sold;
        /// The later of the terms' start and the offer's creation.
        uint40 start;
        /// `type(uint40).max` when perpetual; closing a renewable offer brings it down to the last possible grant end.
        uint40 end;
        uint32 duration;
        /// See {IPayments-currencyOf}; 0 is the native coin.
        uint8 currencyId;
        /// The holder's `moves` count (see {IProvenanceRegistry-titleOf}) when the offer was made.
        uint24 moves;
        /// See {LicenceTerms}; zero for a sublicence.
        uint16 derivativeRoyaltyBps;
        /// The first 20 bytes of `keccak256(abi.encode(terms))` (the full hash is in {OfferCreated}).
        bytes20 termsHash;
        uint96 price;
        uint256[3] territory;
    }

    /// @notice A grant as stored.
    struct Grant {
        /// Current holder (the last holder once terminated or surrendered).
        address holder;
        uint40 start;
        /// `type(uint40).max` when perpetual; the time of termination or surrender once ended.
        uint40 end;
        GrantStatus status;
        bool transferable;
        /// Parent grant id for a sublicence, zero otherwise.
        uint256 parentGrantId;
    }

    /// @notice A payee of a work's licence revenue.
    struct Payee {
        address account;
        uint16 shareBps;
    }

    /// @notice A parent a work owes a derivative royalty, and the rate.
    struct RoyaltyParent {
        uint256 parentId;
        uint16 royaltyBps;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Emitted when the owner of a work publishes a licence offer.
    event OfferCreated(
        uint256 indexed workId,
        uint32 indexed offerIndex,
        address indexed licensor,
        bytes32 termsHash,
        LicenceTerms terms,
        uint256 price,
        uint64 timestamp
    );

    /// @notice Emitted when an offer's price changes.
    event OfferRepriced(uint256 indexed workId, uint32 indexed offerIndex, uint256 price, uint64 timestamp);

    /// @notice Emitted when an offer is paused, resumed or closed.
    event OfferStatusChanged(
        uint256 indexed workId,
        uint32 indexed offerIndex,
        OfferStatus status,
        uint40 end,
        uint64 timestamp
    );

    /// @notice Emitted when a licence is bought. `royalty` of the price after the fee went to the work's parents
    /// ({RoyaltyCredited}); `payee` is the account credited with the rest, or zero when it went to the work's payees
    /// under split `splitVersion`.
    event LicencePurchased(
        uint256 indexed grantId,
        uint256 indexed workId,
        address indexed licensee,
        uint32 offerIndex,
        uint32 serial,
        uint40 start,
        uint40 end,
        address currency,
        uint256 price,
        uint256 fee,
        uint256 royalty,
        uint32 splitVersion,
        address payee,
        bytes32 termsHash,
        uint64 timestamp
    );

    /// @notice Emitted when a grant is renewed; money as in {LicencePurchased}.
    event LicenceRenewed(
        uint256 indexed grantId,
        uint256 indexed workId,
        address indexed payer,
        uint40 previousEnd,
        uint40 end,
        address currency,
        uint256 price,
        uint256 fee,
        uint256 royalty,
        uint32 splitVersion,
        address payee,
        uint64 timestamp
    );

    /// @notice Emitted when a licensor ends a grant for breach.
    event LicenceTerminated(
        uint256 indexed grantId,
        uint256 indexed workId,
        address indexed licensor,
        address holder,
        bytes reasonCid,
        uint64 timestamp
    );

    /// @notice Emitted when a licensee gives a grant up.
    event LicenceSurrendered(uint256 indexed grantId, address indexed holder, uint64 timestamp);

    /// @notice Emitted when a licence token changes holder (the ERC-1155 `TransferSingle` carries no time).
    event LicenceTransferred(uint256 indexed grantId, address indexed from, address indexed to, uint64 timestamp);

    /// @notice Emitted when the holder of a sublicensable grant issues a sublicence (a one-grant offer of the work).
    event SublicenceIssued(
        uint256 indexed grantId,
        uint256 indexed parentGrantId,
        uint256 indexed workId,
        uint32 offerIndex,
        address licensor,
        address licensee,
        bytes32 termsHash,
        SublicenceTerms terms,
        uint40 start,
        uint40 end,
        uint64 timestamp
    );

    /// @notice Emitted when the owner sets the payees of a work's licence revenue (empty: the owner alone).
    event SplitsSet(
        uint256 indexed workId,
        uint32 indexed version,
        address indexed owner,
        Payee[] payees,
        uint64 timestamp
    );

    /// @notice Emitted for each payee when revenue of split `version` is credited to the payees. Each release divides
    /// only what arrived since the last one, by cumulative shares, so the amounts of one release sum exactly to what
    /// it divided and no payee's entitlement ever goes down.
    event RevenueReleased(
        uint256 indexed workId,
        uint32 indexed version,
        address indexed payee,
        address currency,
        uint256 amount,
        uint64 timestamp
    );

    /// @notice Emitted when the pledgee of a work allows or forbids selling licences of it during pledge number
    /// `pledge` (the registry's `pledges` count): consent ends with that pledge.
    event PledgeeConsentSet(
        uint256 indexed workId,
        address indexed pledgee,
        uint32 pledge,
        bool allowed,
        uint64 timestamp
    );

    /// @notice Emitted while the registry registers derivative `workId` of `parentId` under grant `grantId`: the
    /// derivative owes `royaltyBps` of what it earns to the parent's payees (zero: nothing).
    event DerivativeLicensed(
        uint256 indexed workId,
        uint256 indexed parentId,
        uint256 indexed grantId,
        uint16 royaltyBps,
        uint64 timestamp
    );

    /// @notice Emitted when a priority claim replaced a work's registration: it owes its former parents nothing more.
    event DerivativeRoyaltiesCleared(uint256 indexed workId, uint64 timestamp);

    /// @notice Emitted for each parent credited with a derivative royalty: of `amount` owed to `parentId` by
    /// `workId`, `upstream` went on to the parent's own parents and the rest to its payee (`payee`, or its split
    /// `splitVersion` when `payee` is zero).
    event RoyaltyCredited(
        uint256 indexed workId,
        uint256 indexed parentId,
        address indexed currency,
        uint256 amount,
        uint256 upstream,
        uint32 splitVersion,
        address payee,
        uint64 timestamp
    );

    /// @notice Emitted when `payer` pays the royalty `amount` a work owes on `earned` outside a licence sale (the
    /// exchange, for a sale of the work).
    event RoyaltiesPaidIn(
        uint256 indexed workId,
        address indexed payer,
        address indexed currency,
        uint256 earned,
        uint256 amount,
        uint64 timestamp
    );

    /// @notice Emitted when a holder names the grant that authorises its derivatives of a work.
    event DerivativeGrantSelected(
        address indexed holder,
        uint256 indexed workId,
        uint256 indexed grantId,
        uint64 timestamp
    );

    /// @notice Emitted when the admin changes the licence tokens' metadata URI template.
    event UriChanged(string uri, uint64 timestamp);

    // ------------------------------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------------------------------

    error InvalidUses(uint8 uses);
    error InvalidFields(uint16 fields);
    /// @notice Worldwide with countries, or neither; or bits past the last country code.
    error InvalidTerritory(bool worldwide);
    error InvalidCountry(bytes2 country);
    error InvalidTerm(uint40 start, uint40 end, uint32 duration);
    error InvalidSupply(LicenceKind kind, uint24 supply);
    error InvalidLegalText(bytes32 textHash, bytes textCid);
    error DerivativeRoyaltyTooHigh(uint16 bps);
    /// @notice A sublicence's one-grant offer is not the licensor's to change.
    error SublicenceOffer(uint256 workId, uint32 offerIndex);
    /// @notice The new offer overlaps offer `offerIndex` in territory, field and period, and one of them is sole or
    /// exclusive.
    error ExclusivityConflict(uint256 workId, uint32 offerIndex);
    error UnknownOffer(uint256 workId, uint32 offerIndex);
    error OfferNotOpen(uint256 workId, uint32 offerIndex, OfferStatus status);
    /// @notice The work changed holder since the offer was made.
    error OfferVoid(uint256 workId, uint32 offerIndex);
    error OfferEnded(uint256 workId, uint32 offerIndex, uint40 end);
    error TermsMismatch(bytes20 termsHash, bytes32 expected);
    error SoldOut(uint256 workId, uint32 offerIndex, uint24 supply);
    error InvalidLicensee(address licensee);
    error UnknownGrant(uint256 grantId);
    error GrantEnded(uint256 grantId, GrantStatus status);
    error NotGrantHolder(uint256 grantId, address account);
    error NotLicensor(uint256 grantId, address account);
    error NotRenewable(uint256 grantId);
    /// @notice Renewals may be bought at most one term ahead.
    error RenewalTooEarly(uint256 grantId, uint40 end, uint40 earliest);
    error LicenceNotTransferable(uint256 grantId);
    error NotSublicensable(uint256 grantId);
    /// @notice A sublicence would exceed its parent's scope; `what` names the term ("uses", "transferable", "fields",
    /// "territory", "start", "end").
    error ScopeExceedsParent(uint256 parentGrantId, string what);
    error InvalidShares(uint256 total);
    error InvalidPayee(address account);
    error TooManyPayees(uint256 count, uint256 max);
    error UnknownSplit(uint256 workId, uint32 version);
    error NothingToRelease(uint256 workId, uint32 version, address currency);
    error NotPledgee(uint256 workId, address account);
    error NotAdaptable(uint256 grantId);
    /// @notice A work has `max` offers reserving scope; closing unsold ones, or their end, frees places.
    error TooManyOffers(uint256 workId, uint256 max);
    /// @notice A sublicence would sit more than `max` levels below its root grant.
    error SublicenceTooDeep(uint256 parentGrantId, uint256 max);
    /// @notice A derivative's royalties to its parents would exceed everything it earns.
    error DerivativeRoyaltiesTooHigh(uint256 workId, uint256 totalBps);
    /// @notice The tree of royalty edges above a derivative would exceed `max` edges.
    error RoyaltyLineageTooLarge(uint256 workId, uint256 edges, uint256 max);
    /// @notice Only the registry may record or clear derivatives.
    error NotRegistry(address account);

    // ------------------------------------------------------------------------------------------------------------
    // Licensor
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Publishes a licence offer of the caller's work. Refused for a disputed work, and when a sole or
    /// exclusive scope would overlap another offer's.
    function createOffer(
        uint256 workId,
        LicenceTerms calldata terms,
        uint256 price
    ) external returns (uint32 offerIndex);

    function repriceOffer(uint256 workId, uint32 offerIndex, uint256 price) external;

    function setOfferPaused(uint256 workId, uint32 offerIndex, bool paused) external;

    /// @notice Closes an offer for good: no more sales or renewals.
    function closeOffer(uint256 workId, uint32 offerIndex) external;

    /// @notice Ends a grant for breach. The licensor is the work's owner, or the parent grant's holder for a
    /// sublicence.
    function terminateLicence(GrantRef calldata ref, bytes calldata reasonCid) external;

    /// @notice Sets who receives the work's licence revenue from now on; shares sum to 10,000 (an empty list: the
    /// owner alone). Revenue earned under earlier splits stays with their payees.
    function setSplits(uint256 workId, Payee[] calldata payees) external;

    // ------------------------------------------------------------------------------------------------------------
    // Licensee
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Buys one licence for `licensee`. `termsHash` and `expectedPrice` must match the offer. A licensee
    /// buying for itself with the adapt use names the grant for its derivatives ({useForDerivatives}); buying for
    /// another never moves the other's choice.
    function buyLicence(
        uint256 workId,
        uint32 offerIndex,
        bytes32 termsHash,
        uint256 expectedPrice,
        address licensee
    ) external payable returns (uint256 grantId);

    /// @notice Extends a running grant of a renewable offer by one term, at the offer's current price, at most one
    /// term ahead and never past the offer's end. An expired grant cannot be renewed (its term stays on record; buy
    /// a new licence). Anyone may pay. A dispute or a pledge stops new sales, not the renewal of what is held.
    function renewLicence(GrantRef calldata ref, uint256 expectedPrice) external payable returns (uint40 end);

    function surrenderLicence(uint256 grantId) external;

    /// @notice Issues a sublicence under the caller's sublicensable grant, inside its scope (transferable only under a
    /// transferable grant), at most `MAX_SUBLICENCE_DEPTH` levels below the root grant. Refused, as sales are, while
    /// the work is disputed or pledged without the pledgee's consent.
    function issueSublicence(
        GrantRef calldata parent,
        address licensee,
        SublicenceTerms calldata terms
    ) external returns (GrantRef memory ref);

    /// @notice Names the caller's grant that the registry should accept for derivatives of its work. Only the
    /// holder's own acts move it: this, or buying an adapt licence for itself.
    function useForDerivatives(GrantRef calldata ref) external;

    // ------------------------------------------------------------------------------------------------------------
    // Money
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Credits the payees of split `version` with their shares of its revenue in `currency` that arrived since
    /// the last release. Anyone may call. Returns the amount divided.
    function release(uint256 workId, uint32 version, address currency) external returns (uint256);

    /// @notice The pledgee of a pledged work allows (or forbids) selling licences of it, for this pledge only.
    function setPledgeeConsent(uint256 workId, bool allowed) external;

    /// @notice Pays the derivative royalty `workId` owes on `earned` (see {derivativeRoyaltyOf}) in `currency`, and
    /// credits it up the work's lineage. Anyone may pay: the exchange does for a sale of the work. Returns the
    /// amount collected (native coin: exactly `msg.value`).
    function payDerivativeRoyalty(
        uint256 workId,
        address currency,
        uint256 earned
    ) external payable returns (uint256 amount);

    // ------------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------------

    function grantIdOf(GrantRef calldata ref) external pure returns (uint256);

    function offerOf(uint256 workId, uint32 offerIndex) external view returns (Offer memory);

    function offerCount(uint256 workId) external view returns (uint32);

    function grantOf(uint256 grantId) external view returns (Grant memory);

    /// @notice A grant's status now.
    function grantStatus(uint256 grantId) external view returns (GrantStatus);

    /// @notice Whether grant `ref` lets `account` make use `use` (`USE_*` bits, every one of them) of the work in
    /// `country`, in the fields `field` (every one of them), at `time`. A terminated or surrendered grant permitted
    /// what it permitted until it ended. A zero `country` or `field` leaves that term unchecked.
    function permits(
        GrantRef calldata ref,
        address account,
        uint8 use,
        bytes2 country,
        uint16 field,
        uint64 time
    ) external view returns (bool);

    /// @notice The first grant of `workId` that lets `account` make use `use` in `country` and `field` at `time`
    /// (serial zero when none). Scans every grant of the work, a number that grows with its sales: meant for
    /// `eth_call`, never for a transaction (`permits` checks one known grant in constant time).
    function findGrant(
        address account,
        uint256 workId,
        uint8 use,
        bytes2 country,
        uint16 field,
        uint64 time
    ) external view returns (GrantRef memory);

    /// @notice The payees and owner of split `version` of a work.
    function splitOf(uint256 workId, uint32 version) external view returns (address owner, Payee[] memory payees);

    /// @notice The current split version of a work, and whether it is in force (set by the current owner).
    function currentSplit(uint256 workId) external view returns (uint32 version, bool inForce);

    /// @notice The pledge (the registry's `pledges` count) whose pledgee allows licence sales of `workId`; zero when
    /// none. Sales of a pledged work are allowed while it equals the work's current `pledges`.
    function pledgeConsentOf(uint256 workId) external view returns (uint32);

    /// @notice The parents `workId` owes derivative royalties, with their rates.
    function royaltyParentsOf(uint256 workId) external view returns (RoyaltyParent[] memory);

    /// @notice The royalty `workId` owes its parents on `earned`.
    function derivativeRoyaltyOf(uint256 workId, uint256 earned) external view returns (uint256);

    /// @notice Revenue accumulated under split `version` in `currency`, and how much of it awaits {release}.
    function revenueOf(
        uint256 workId,
        uint32 version,
        address currency
    ) external view returns (uint256 total, uint256 unreleased);
}
