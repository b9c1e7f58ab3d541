// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

import {IExchange} from "./interfaces/IExchange.sol";
import {ILicenceLedger} from "./interfaces/ILicenceLedger.sol";
import {IProvenanceRegistry} from "./interfaces/IProvenanceRegistry.sol";
import {TitleWord} from "./libraries/TitleWord.sol";
import {Payments} from "./Payments.sol";

/**
 * @title Exchange
 * @notice Fixed-price sales and bids for provenance tokens; see {IExchange}.
 * @dev A listing is one storage word (price, currency id, the work's `moves` and `pledges` counts, expiry); the seller
 * is the work's holder, which is the lister for as long as `moves` has not changed. A bid is one word too (amount,
 * currency id, expiry, the work's encumbrance count).
 */
contract Exchange is IExchange, Payments {
    using SafeERC20 for IERC20;

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
        uint24 encumbrances;
    }

    /// @dev The derivative royalty a sale owes the work's parents: `amount` of the seller's proceeds `earned`, paid
    /// into `ledger`.
    struct ParentRoyalty {
        ILicenceLedger ledger;
        uint256 earned;
        uint256 amount;
    }

    mapping(uint256 workId => StoredListing) private _listings;
    mapping(uint256 workId => mapping(address bidder => StoredBid)) private _bids;

    constructor(IProvenanceRegistry registry_, address admin) Payments(registry_, admin) {}

    /// @inheritdoc IExchange
    function listWork(uint256 workId, address currency, uint256 price, uint40 expiry) external {
        TitleWord title = _requireWorkOwner(workId);
        if (title.pledged()) revert WorkPledged(workId, registry.pledgeOf(workId).pledgee);
        if (title.disputed()) revert WorkDisputed(workId);
        if (price == 0 || price > type(uint128).max) revert InvalidPrice(price);
        if (expiry != 0 && expiry <= block.timestamp) revert InvalidExpiry(expiry, uint64(block.timestamp));
        uint8 currencyId = _allowedCurrencyId(currency);
        if (!_approved(workId, msg.sender)) revert ExchangeNotApproved(workId, msg.sender);
        _listings[workId] = StoredListing(uint128(price), currencyId, title.moves(), title.pledges(), expiry);
        emit WorkListed(
            workId,
            msg.sender,
            currency,
            price,
            expiry,
            title.moves(),
            title.pledges(),
            uint64(block.timestamp)
        );
    }

    /// @inheritdoc IExchange
    function cancelListing(uint256 workId) external {
        StoredListing memory listing = _listings[workId];
        if (listing.price == 0) revert NotListed(workId);
        TitleWord title = _titleOf(workId);
        bool void = title.moves() != listing.moves || title.pledges() != listing.pledges;
        if (!void && title.owner() != msg.sender) revert NotWorkOwner(workId, msg.sender);
        delete _listings[workId];
        emit ListingCancelled(workId, msg.sender, uint64(block.timestamp));
    }

    /// @inheritdoc IExchange
    function buyWork(
        uint256 workId,
        address currency,
        uint256 expectedPrice,
        uint24 expectedEncumbrances
    ) external payable nonReentrant {
        StoredListing memory listing = _listings[workId];
        if (listing.price == 0) revert NotListed(workId);
        TitleWord title = _titleOf(workId);
        if (title.moves() != listing.moves || title.pledges() != listing.pledges) revert ListingVoid(workId);
        if (title.disputed()) revert WorkDisputed(workId);
        if (listing.expiry != 0 && block.timestamp >= listing.expiry) revert ListingExpired(workId, listing.expiry);
        address listed = _tokenOf(listing.currencyId);
        if (listed != currency) revert CurrencyMismatch(listed, currency);
        if (listing.price != expectedPrice) revert PriceMismatch(listing.price, expectedPrice);
        if (title.encumbrances() != expectedEncumbrances) {
            revert EncumbrancesChanged(workId, title.encumbrances(), expectedEncumbrances);
        }
        _requireAllowed(listing.currencyId);
        if (title.owner() == msg.sender) revert SelfPurchase(workId, msg.sender);

        delete _listings[workId];
        ParentRoyalty memory parents = _settle(workId, title, msg.sender, false, listing.currencyId, listing.price);
        _collect(listing.currencyId, listing.price);
        _payParents(workId, listing.currencyId, parents);
        IERC721(address(registry)).transferFrom(title.owner(), msg.sender, workId);
    }

    /// @inheritdoc IExchange
    function placeBid(uint256 workId, address currency, uint256 amount, uint40 expiry) external payable nonReentrant {
        TitleWord title = _titleOf(workId);
        if (title.owner() == msg.sender) revert SelfPurchase(workId, msg.sender);
        if (amount == 0 || amount > type(uint128).max) revert InvalidPrice(amount);
        if (expiry != 0 && expiry <= block.timestamp) revert InvalidExpiry(expiry, uint64(block.timestamp));
        uint8 currencyId = _allowedCurrencyId(currency);
        StoredBid storage bid = _bids[workId][msg.sender];
        if (bid.amount != 0) revert BidExists(workId, msg.sender);
        _bids[workId][msg.sender] = StoredBid(uint128(amount), currencyId, expiry, title.encumbrances());
        emit BidPlaced(workId, msg.sender, currency, amount, expiry, title.encumbrances(), uint64(block.timestamp));
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
        TitleWord title = _requireWorkOwner(workId);
        if (bidder == msg.sender) revert SelfPurchase(workId, msg.sender);
        if (title.pledged()) revert WorkPledged(workId, registry.pledgeOf(workId).pledgee);
        if (title.disputed()) revert WorkDisputed(workId);
        StoredBid memory bid = _bids[workId][bidder];
        if (bid.amount == 0) revert NoBid(workId, bidder);
        if (bid.expiry != 0 && block.timestamp >= bid.expiry) revert BidExpired(workId, bidder, bid.expiry);
        address bidCurrency = _tokenOf(bid.currencyId);
        if (bidCurrency != currency) revert CurrencyMismatch(bidCurrency, currency);
        if (bid.amount != expectedAmount) revert PriceMismatch(bid.amount, expectedAmount);
        if (bid.encumbrances != title.encumbrances()) {
            revert BidVoid(workId, bidder, bid.encumbrances, title.encumbrances());
        }
        _requireAllowed(bid.currencyId);

        delete _bids[workId][bidder];
        delete _listings[workId];
        ParentRoyalty memory parents = _settle(workId, title, bidder, true, bid.currencyId, bid.amount);
        _payParents(workId, bid.currencyId, parents);
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
        return Bid(_tokenOf(b.currencyId), b.amount, b.expiry, b.encumbrances);
    }

    /// @dev Divides a sale price: ERC-2981 royalty, platform fee, the derivative royalty owed to the work's parents
    /// (returned, to be paid into the ledger once the price is in), and the rest to the seller, all credited.
    function _settle(
        uint256 workId,
        TitleWord title,
        address buyer,
        bool bid,
        uint8 currencyId,
        uint256 price
    ) private returns (ParentRoyalty memory parents) {
        address seller = title.owner();
        (address receiver, uint256 royalty) = IERC2981(address(registry)).royaltyInfo(workId, price);
        uint256 fee = _takeFee(currencyId, price);
        uint256 proceeds = price - fee;
        if (receiver != seller && royalty != 0) {
            proceeds -= royalty;
            _credit(receiver, currencyId, royalty);
        }
        if (title.owesRoyalties()) {
            // The licence ledger, the registry's derivative authority, keeps the rates and credits the parents.
            parents.ledger = ILicenceLedger(registry.derivativeAuthority());
            parents.earned = proceeds;
            parents.amount = parents.ledger.derivativeRoyaltyOf(workId, proceeds);
            proceeds -= parents.amount;
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
            parents.amount,
            uint64(block.timestamp)
        );
    }

    /// @dev Pays the parents' royalty into the ledger, which credits them (an ERC-20 by an exact allowance it pulls).
    function _payParents(uint256 workId, uint8 currencyId, ParentRoyalty memory parents) private {
        if (parents.amount == 0) return;
        address token = _tokenOf(currencyId);
        if (token == address(0)) {
            parents.ledger.payDerivativeRoyalty{value: parents.amount}(workId, token, parents.earned);
        } else {
            IERC20(token).forceApprove(address(parents.ledger), parents.amount);
            parents.ledger.payDerivativeRoyalty(workId, token, parents.earned);
        }
    }

    function _approved(uint256 workId, address owner) private view returns (bool) {
        IERC721 token = IERC721(address(registry));
        return token.isApprovedForAll(owner, address(this)) || token.getApproved(workId) == address(this);
    }
}
