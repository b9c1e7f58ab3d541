// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

// The structs here are arguments and return values, never storage: their packing costs nothing.
// solhint-disable gas-struct-packing

/**
 * @title IExchange
 * @notice Assignments of copyright for sale: fixed-price listings and escrowed bids on provenance tokens. A sale
 * moves the token and divides the price atomically: the ERC-2981 royalty to the creator's receiver, the platform fee
 * to the treasury, the derivative royalty a licensed derivative owes its parents (paid into the licence ledger, which
 * credits them), the rest to the seller, all credited for withdrawal.
 *
 * What a buyer gets is bound to what it saw: a buyer passes the work's encumbrance count (see
 * {IProvenanceRegistry-Title}) with the price, and a bid records the count when placed; a licence, sublicence,
 * metadata change or priority claim in between makes the purchase, or the bid's acceptance, fail.
 *
 * The exchange must be approved in the registry (`approve` or `setApprovalForAll`) to move a seller's work. A listing
 * records the work's `moves` and `pledges` counts (see {IProvenanceRegistry-titleOf}): the moment the work changes
 * holder, or is pledged, the listing is void and cannot be filled, even if the work comes back or the pledge is
 * released.
 */
interface IExchange {
    struct Listing {
        address currency;
        uint256 price;
        uint32 moves;
        /// The work's `pledges` count when listed.
        uint32 pledges;
        /// 0: no expiry.
        uint40 expiry;
    }

    struct Bid {
        address currency;
        uint256 amount;
        /// 0: no expiry.
        uint40 expiry;
        /// The work's encumbrance count when the bid was placed: a bid can only be accepted while it is unchanged.
        uint24 encumbrances;
    }

    event WorkListed(
        uint256 indexed workId,
        address indexed seller,
        address currency,
        uint256 price,
        uint40 expiry,
        uint32 moves,
        uint32 pledges,
        uint64 timestamp
    );

    event ListingCancelled(uint256 indexed workId, address indexed by, uint64 timestamp);

    /// @notice Emitted when a work changes hands through the exchange, by listing (`bid` false) or by accepted bid.
    /// The seller is credited `price - royalty - fee - parentRoyalty`; `parentRoyalty` went to the licence ledger for
    /// the work's parents.
    event WorkSold(
        uint256 indexed workId,
        address indexed seller,
        address indexed buyer,
        bool bid,
        address currency,
        uint256 price,
        address royaltyReceiver,
        uint256 royalty,
        uint256 fee,
        uint256 parentRoyalty,
        uint64 timestamp
    );

    event BidPlaced(
        uint256 indexed workId,
        address indexed bidder,
        address currency,
        uint256 amount,
        uint40 expiry,
        uint24 encumbrances,
        uint64 timestamp
    );

    event BidWithdrawn(
        uint256 indexed workId,
        address indexed bidder,
        address currency,
        uint256 amount,
        uint64 timestamp
    );

    error InvalidPrice(uint256 price);
    error InvalidExpiry(uint40 expiry, uint64 timestamp);
    error ExchangeNotApproved(uint256 workId, address owner);
    error NotListed(uint256 workId);
    /// @notice The work moved or was pledged since it was listed.
    error ListingVoid(uint256 workId);
    error ListingExpired(uint256 workId, uint40 expiry);
    error BidExists(uint256 workId, address bidder);
    error NoBid(uint256 workId, address bidder);
    error BidExpired(uint256 workId, address bidder, uint40 expiry);
    error SelfPurchase(uint256 workId, address account);
    /// @notice The work gained an encumbrance (count `current`) since the buyer looked (count `expected`).
    error EncumbrancesChanged(uint256 workId, uint24 current, uint24 expected);
    /// @notice The work gained an encumbrance since the bid was placed: the bid cannot be accepted.
    error BidVoid(uint256 workId, address bidder, uint24 encumbrances, uint24 current);

    /// @notice Lists the caller's work at a fixed price, replacing any earlier listing of it.
    function listWork(uint256 workId, address currency, uint256 price, uint40 expiry) external;

    /// @notice Removes a listing. The work's current holder may always; anyone may remove a void one.
    function cancelListing(uint256 workId) external;

    /// @notice Buys a listed work; `currency` and `expectedPrice` must match the listing, and
    /// `expectedEncumbrances` the work's encumbrance count.
    function buyWork(
        uint256 workId,
        address currency,
        uint256 expectedPrice,
        uint24 expectedEncumbrances
    ) external payable;

    /// @notice Escrows a bid for a work (one bid per bidder and work), bound to the work's encumbrances now.
    function placeBid(uint256 workId, address currency, uint256 amount, uint40 expiry) external payable;

    /// @notice Returns the caller's bid to it.
    function withdrawBid(uint256 workId) external;

    /// @notice Sells the caller's work to `bidder` for its bid; `currency` and `expectedAmount` must match it, and the
    /// work must have gained no encumbrance since the bid ({BidVoid}).
    function acceptBid(uint256 workId, address bidder, address currency, uint256 expectedAmount) external;

    function listingOf(uint256 workId) external view returns (Listing memory);

    function bidOf(uint256 workId, address bidder) external view returns (Bid memory);
}
