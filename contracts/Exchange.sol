// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

import {IExchange} from "./interfaces/IExchange.sol";
import {IProvenanceRegistry} from "./interfaces/IProvenanceRegistry.sol";
import {Payments} from "./Payments.sol";

/**
 * @title Exchange
 * @notice Fixed-price sales and bids for provenance tokens; see {IExchange}.
 * @dev A listing is one storage word (price, currency id, the work's `moves` and `pledges` counts, expiry); the seller
 * is the work's holder, which is the lister for as long as `moves` has not changed.
 */
contract Exchange is IExchange, Payments {
    struct StoredListing {
        uint128 price;
        uint8 currencyId;
        uint32 moves;
        uint32 pledges;
        uint40 expiry;
    }

    struct StoredBid {
        uint128 amount;
        uint8 currencyId;
        uint40 expiry;
    }

    mapping(uint256 workId => StoredListing) private _listings;
    mapping(uint256 workId => mapping(address bidder => StoredBid)) private _bids;

    constructor(IProvenanceRegistry registry_, address admin) Payments(registry_, admin) {}

    /// @inheritdoc IExchange
    function listWork(uint256 workId, address currency, uint256 price, uint40 expiry) external {
        (bool pledged, bool disputed, uint32 moves, uint32 pledges) = _requireWorkOwner(workId);
        if (pledged) revert WorkPledged(workId, registry.pledgeOf(workId).pledgee);
        if (disputed) revert WorkDisputed(workId);
        if (price == 0 || price > type(uint128).max) revert InvalidPrice(price);
        if (expiry != 0 && expiry <= block.timestamp) revert InvalidExpiry(expiry, uint64(block.timestamp));
        uint8 currencyId = _allowedCurrencyId(currency);
        if (!_approved(workId, msg.sender)) revert ExchangeNotApproved(workId, msg.sender);
        _listings[workId] = StoredListing(uint128(price), currencyId, moves, pledges, expiry);
        emit WorkListed(workId, msg.sender, currency, price, expiry, moves, pledges, uint64(block.timestamp));
    }

    /// @inheritdoc IExchange
    function cancelListing(uint256 workId) external {
        StoredListing memory listing = _listings[workId];
        if (listing.price == 0) revert NotListed(workId);
        (address owner, , , uint32 moves, uint32 pledges) = _titleOf(workId);
        bool void = moves != listing.moves || pledges != listing.pledges;
        if (!void && owner != msg.sender) revert NotWorkOwner(workId, msg.sender);
        delete _listings[workId];
        emit ListingCancelled(workId, msg.sender, uint64(block.timestamp));
    }

    /// @inheritdoc IExchange
    function buyWork(uint256 workId, address currency, uint256 expectedPrice) external payable nonReentrant {
        StoredListing memory listing = _listings[workId];
        if (listing.price == 0) revert NotListed(workId);
        (address seller, , bool disputed, uint32 moves, uint32 pledges) = _titleOf(workId);
        if (moves != listing.moves || pledges != listing.pledges) revert ListingVoid(workId);
        if (disputed) revert WorkDisputed(workId);
        if (listing.expiry != 0 && block.timestamp >= listing.expiry) revert ListingExpired(workId, listing.expiry);
        address listed = _tokenOf(listing.currencyId);
        if (listed != currency) revert CurrencyMismatch(listed, currency);
        if (listing.price != expectedPrice) revert PriceMismatch(listing.price, expectedPrice);
        if (seller == msg.sender) revert SelfPurchase(workId, msg.sender);

        delete _listings[workId];
        _settle(workId, seller, msg.sender, false, listing.currencyId, listing.price);
        _collect(listing.currencyId, listing.price);
        IERC721(address(registry)).transferFrom(seller, msg.sender, workId);
    }

    /// @inheritdoc IExchange
    function placeBid(uint256 workId, address currency, uint256 amount, uint40 expiry) external payable nonReentrant {
        (address owner, , , , ) = _titleOf(workId);
        if (owner == msg.sender) revert SelfPurchase(workId, msg.sender);
        if (amount == 0 || amount > type(uint128).max) revert InvalidPrice(amount);
        if (expiry != 0 && expiry <= block.timestamp) revert InvalidExpiry(expiry, uint64(block.timestamp));
        uint8 currencyId = _allowedCurrencyId(currency);
        StoredBid storage bid = _bids[workId][msg.sender];
        if (bid.amount != 0) revert BidExists(workId, msg.sender);
        _bids[workId][msg.sender] = StoredBid(uint128(amount), currencyId, expiry);
        emit BidPlaced(workId, msg.sender, currency, amount, expiry, uint64(block.timestamp));
        _collect(currencyId, amount);
    }

    /// @inheritdoc IExchange
    function withdrawBid(uint256 workId) external nonReentrant {
        StoredBid memory bid = _bids[workId][msg.sender];
        if (bid.amount == 0) revert NoBid(workId, msg.sender);
        delete _bids[workId][msg.sender];
        emit BidWithdrawn(workId, msg.sender, _tokenOf(bid.currencyId), bid.amount, uint64(block.timestamp));
        _send(bid.currencyId, msg.sender, bid.amount);
    }

    /// @inheritdoc IExchange
    function acceptBid(uint256 workId, address bidder, address currency, uint256 expectedAmount) external nonReentrant {
        (bool pledged, bool disputed, , ) = _requireWorkOwner(workId);
        if (bidder == msg.sender) revert SelfPurchase(workId, msg.sender);
        if (pledged) revert WorkPledged(workId, registry.pledgeOf(workId).pledgee);
        if (disputed) revert WorkDisputed(workId);
        StoredBid memory bid = _bids[workId][bidder];
        if (bid.amount == 0) revert NoBid(workId, bidder);
        if (bid.expiry != 0 && block.timestamp >= bid.expiry) revert BidExpired(workId, bidder, bid.expiry);
        address bidCurrency = _tokenOf(bid.currencyId);
        if (bidCurrency != currency) revert CurrencyMismatch(bidCurrency, currency);
        if (bid.amount != expectedAmount) revert PriceMismatch(bid.amount, expectedAmount);

        delete _bids[workId][bidder];
        delete _listings[workId];
        _settle(workId, msg.sender, bidder, true, bid.currencyId, bid.amount);
        IERC721(address(registry)).transferFrom(msg.sender, bidder, workId);
    }

    /// @inheritdoc IExchange
    function listingOf(uint256 workId) external view returns (Listing memory) {
        StoredListing memory listing = _listings[workId];
        return Listing(_tokenOf(listing.currencyId), listing.price, listing.moves, listing.pledges, listing.expiry);
    }

    /// @inheritdoc IExchange
    function bidOf(uint256 workId, address bidder) external view returns (Bid memory) {
        StoredBid memory b = _bids[workId][bidder];
        return Bid(_tokenOf(b.currencyId), b.amount, b.expiry);
    }

    /// @dev Divides a sale price: ERC-2981 royalty, platform fee, and the rest to the seller, all credited.
    function _settle(uint256 workId, address seller, address buyer, bool bid, uint8 currencyId, uint256 price) private {
        (address receiver, uint256 royalty) = IERC2981(address(registry)).royaltyInfo(workId, price);
        uint256 fee = _takeFee(currencyId, price);
        uint256 proceeds = price - fee;
        if (receiver != seller && royalty != 0) {
            proceeds -= royalty;
            _credit(receiver, currencyId, royalty);
        }
        _credit(seller, currencyId, proceeds);
        emit WorkSold(
            workId,
            seller,
            buyer,
            bid,
            _tokenOf(currencyId),
            price,
            receiver,
            royalty,
            fee,
            uint64(block.timestamp)
        );
    }

    function _approved(uint256 workId, address owner) private view returns (bool) {
        IERC721 token = IERC721(address(registry));
        return token.isApprovedForAll(owner, address(this)) || token.getApproved(workId) == address(this);
    }
}
