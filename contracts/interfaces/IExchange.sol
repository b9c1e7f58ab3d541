// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

// The structs here are arguments and return values, never storage: their packing costs nothing.
// solhint-disable gas-struct-packing

/**
 * @title IExchange
 * @notice Assignments of copyright for sale: fixed-price listings and escrowed bids on provenance tokens. A sale
 * moves the token and divides the price atomically: the ERC-2981 royalty to the creator's receiver, the platform fee
 * to the treasury, the rest to the seller, all credited for withdrawal.
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
        uint64 timestamp
    );

    event BidPlaced(
        uint256 indexed workId,
        address indexed bidder,
        address currency,
        uint256 amount,
        uint40 expiry,
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

    /// @notice Lists the caller's work at a fixed price, replacing any earlier listing of it.
    function listWork(uint256 workId, address currency, uint256 price, uint40 expiry) external;

    /// @notice Removes a listing. The work's current holder may always; anyone may remove a void one.
    function cancelListing(uint256 workId) external;

    /// @notice Buys a listed work; `currency` and `expectedPrice` must match the listing.
    function buyWork(uint256 workId, address currency, uint256 expectedPrice) external payable;

    /// @notice Escrows a bid for a work (one bid per bidder and work).
    function placeBid(uint256 workId, address currency, uint256 amount, uint40 expiry) external payable;

    /// @notice Returns the caller's bid to it.
    function withdrawBid(uint256 workId) external;

    /// @notice Sells the caller's work to `bidder` for its bid; `currency` and `expectedAmount` must match it.
    function acceptBid(uint256 workId, address bidder, address currency, uint256 expectedAmount) external;

    function listingOf(uint256 workId) external view returns (Listing memory);

    function bidOf(uint256 workId, address bidder) external view returns (Bid memory);
}
