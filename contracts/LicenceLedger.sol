// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IERC1155MetadataURI} from "@openzeppelin/contracts/token/ERC1155/extensions/IERC1155MetadataURI.sol";
import {ERC1155Utils} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Utils.sol";
import {IERC1155Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {IDerivativeAuthority} from "./interfaces/IDerivativeAuthority.sol";
import {ILicenceLedger} from "./interfaces/ILicenceLedger.sol";
import {IProvenanceRegistry} from "./interfaces/IProvenanceRegistry.sol";
import {TitleWord} from "./libraries/TitleWord.sol";
import {DerivativeRoyalties} from "./libraries/DerivativeRoyalties.sol";
import {LicenceStorage} from "./libraries/LicenceStorage.sol";
import {OfferBook} from "./libraries/OfferBook.sol";
import {RevenueSplits} from "./libraries/RevenueSplits.sol";
import {Sublicensing} from "./libraries/Sublicensing.sol";
import {Payments} from "./Payments.sol";

/**
 * @title LicenceLedger
 * @notice Licence offers, licence tokens (ERC-1155, one id per grant), sublicences, exclusivity, revenue splits. See
 * {ILicenceLedger}.
 *
 * @dev Laid out for the cost of a purchase, which writes one fresh slot (the grant: holder, start, end, state and
 * transferability packed in one word) and updates warm ones (the offer's sold count, the work's revenue pot for the
 * native coin, the treasury's fee, the registry's count of encumbrances). The licence token keeps no per-holder balance
 * count: ERC-1155 has none, which is why the ledger uses it rather than ERC-721. Offers are numbered per work, so a
 * grant id is computed from its coordinates and nothing maps ids back to offers. Publication, sublicensing, splits
 * and derivative royalties live in linked libraries that run in this storage, to keep the code under 24 KiB.
 */
contract LicenceLedger is ILicenceLedger, IDerivativeAuthority, IERC1155MetadataURI, IERC1155Errors, Payments {
    uint8 public constant USE_REPRODUCE = 1;
    uint8 public constant USE_DISTRIBUTE = 2;
    uint8 public constant USE_DISPLAY = 4;
    uint8 public constant USE_ADAPT = 8;
    uint8 public constant USE_COMMERCIAL = 16;
    uint8 public constant USE_SUBLICENSE = 32;
    uint8 public constant ALL_USES = 63;
    /// @notice Highest number of payees of a split.
    uint256 public constant MAX_PAYEES = RevenueSplits.MAX_PAYEES;
    /// @notice Most offers of a work that may reserve scope at once (see {OfferBook}).
    uint256 public constant MAX_RESERVING_OFFERS = LicenceStorage.MAX_RESERVING_OFFERS;
    /// @notice Most levels a sublicence may sit below its root grant.
    uint256 public constant MAX_SUBLICENCE_DEPTH = LicenceStorage.MAX_SUBLICENCE_DEPTH;
    /// @notice Most royalty edges in the tree above a work (see {DerivativeRoyalties}).
    uint256 public constant MAX_ROYALTY_EDGES = DerivativeRoyalties.MAX_ROYALTY_EDGES;

    LicenceStorage.Layout private _s;
    mapping(address holder => mapping(address operator => bool)) private _operatorApprovals;
    string private _uri;

    /// @param registry_ The provenance registry.
    /// @param admin Holder of the admin role (currencies, fee, token URI).
    /// @param uri_ ERC-1155 metadata URI template, with `{id}` for the grant id in hex.
    constructor(IProvenanceRegistry registry_, address admin, string memory uri_) Payments(registry_, admin) {
        _uri = uri_;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Licensor
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ILicenceLedger
    function createOffer(
        uint256 workId,
        LicenceTerms calldata terms,
        uint256 price
    ) external returns (uint32 offerIndex) {
        TitleWord title = _requireWorkOwner(workId);
        if (title.disputed()) revert WorkDisputed(workId);
        uint8 currencyId = _allowedCurrencyId(terms.currency);
        return OfferBook.create(_s, workId, terms, _toUint96(price), title.moves(), currencyId);
    }

    /// @inheritdoc ILicenceLedger
    function repriceOffer(uint256 workId, uint32 offerIndex, uint256 price) external {
        Offer storage offer = _ownedOffer(workId, offerIndex);
        if (offer.status == OfferStatus.Closed) revert OfferNotOpen(workId, offerIndex, OfferStatus.Closed);
        offer.price = _toUint96(price);
        emit OfferRepriced(workId, offerIndex, price, uint64(block.timestamp));
    }

    /// @inheritdoc ILicenceLedger
    function setOfferPaused(uint256 workId, uint32 offerIndex, bool paused) external {
        Offer storage offer = _ownedOffer(workId, offerIndex);
        OfferStatus status = offer.status;
        if (status != (paused ? OfferStatus.Open : OfferStatus.Paused)) revert OfferNotOpen(workId, offerIndex, status);
        status = paused ? OfferStatus.Paused : OfferStatus.Open;
        offer.status = status;
        emit OfferStatusChanged(workId, offerIndex, status, offer.end, uint64(block.timestamp));
    }

    /// @inheritdoc ILicenceLedger
    function closeOffer(uint256 workId, uint32 offerIndex) external {
        Offer storage offer = _ownedOffer(workId, offerIndex);
        if (offer.status == OfferStatus.Closed) revert OfferNotOpen(workId, offerIndex, OfferStatus.Closed);
        offer.status = OfferStatus.Closed;
        // No sale or renewal follows. A grant runs from the later of the offer's start and its purchase, and is renewed
        // at most one term ahead (see {renewLicence}), so every grant ends within two terms of the later of the offer's
        // start and now: the offer's reach, which exclusivity checks read, shrinks to that.
        uint32 duration = offer.duration;
        if (duration != 0) {
            uint256 from = offer.start > block.timestamp ? offer.start : block.timestamp;
            uint256 reach = from + 2 * uint256(duration);
            if (reach < offer.end) offer.end = uint40(reach);
        }
        emit OfferStatusChanged(workId, offerIndex, OfferStatus.Closed, offer.end, uint64(block.timestamp));
    }

    /// @inheritdoc ILicenceLedger
    function terminateLicence(GrantRef calldata ref, bytes calldata reasonCid) external {
        uint256 grantId = _grantIdOf(ref);
        LicenceStorage.StoredGrant storage grant = LicenceStorage.liveGrant(_s, grantId);
        uint256 parentGrantId = _s.parentGrants[grantId];
        if (parentGrantId == 0) {
            if (_titleOf(ref.workId).owner() != msg.sender) revert NotLicensor(grantId, msg.sender);
        } else if (_s.grants[parentGrantId].holder != msg.sender) {
            revert NotLicensor(grantId, msg.sender);
        }
        address holder = _end(grantId, grant, LicenceStorage.TERMINATED);
        emit LicenceTerminated(grantId, ref.workId, msg.sender, holder, reasonCid, uint64(block.timestamp));
    }

    /// @inheritdoc ILicenceLedger
    function setSplits(uint256 workId, Payee[] calldata payees) external {
        RevenueSplits.set(_s, workId, payees, _requireWorkOwner(workId).moves());
    }

    // ------------------------------------------------------------------------------------------------------------
    // Licensee
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ILicenceLedger
    // solhint-disable-next-line function-max-lines
    function buyLicence(
        uint256 workId,
        uint32 offerIndex,
        bytes32 termsHash,
        uint256 expectedPrice,
        address licensee
    ) external payable nonReentrant returns (uint256 grantId) {
        Offer storage offer = _s.offers[workId][offerIndex];
        OfferStatus status = offer.status;
        if (status != OfferStatus.Open) {
            if (status == OfferStatus.None) revert UnknownOffer(workId, offerIndex);
            revert OfferNotOpen(workId, offerIndex, status);
        }
        if (offer.termsHash != bytes20(termsHash)) revert TermsMismatch(offer.termsHash, termsHash);
        uint256 price = offer.price;
        if (price != expectedPrice) revert PriceMismatch(price, expectedPrice);
        uint24 sold = offer.sold;
        uint24 supply = offer.supply;
        if (sold == (supply == 0 ? type(uint24).max : supply)) revert SoldOut(workId, offerIndex, supply);
        uint40 offerEnd = offer.end;
        if (block.timestamp >= offerEnd) revert OfferEnded(workId, offerIndex, offerEnd);
        if (licensee == address(0)) revert InvalidLicensee(licensee);
        uint8 currencyId = offer.currencyId;
        _requireAllowed(currencyId);
        // A new grant is an encumbrance the registry counts for bids and buyers of the work.
        TitleWord title = registry.encumber(workId);
        if (title.moves() != offer.moves) revert OfferVoid(workId, offerIndex);
        LicenceStorage.checkLicensable(_s, registry, workId, title);

        uint40 start = offer.start;
        if (start < block.timestamp) start = uint40(block.timestamp);
        uint40 end = offerEnd;
        uint32 duration = offer.duration;
        if (duration != 0 && uint256(start) + duration < end) end = start + duration;
        unchecked {
            ++sold;
        }
        offer.sold = sold;
        grantId = LicenceStorage.grantIdOf(workId, offerIndex, sold);
        _s.grants[grantId] = LicenceStorage.StoredGrant(licensee, start, end, LicenceStorage.LIVE, offer.transferable);
        // Only the licensee's own purchase names its grant for derivatives: a purchase for another never moves it.
        if (licensee == msg.sender && offer.uses & USE_ADAPT != 0)
            _s.derivativeGrants[licensee][workId] = LicenceStorage.packRef(offerIndex, sold);

        Revenue memory revenue = _distribute(workId, title, currencyId, price);
        emit TransferSingle(msg.sender, address(0), licensee, grantId, 1);
        emit LicencePurchased(
            grantId,
            workId,
            licensee,
            offerIndex,
            sold,
            start,
            end,
            _tokenOf(currencyId),
            price,
            revenue.fee,
            revenue.royalty,
            revenue.version,
            revenue.payee,
            termsHash,
            uint64(block.timestamp)
        );
        _collect(currencyId, price);
        ERC1155Utils.checkOnERC1155Received(msg.sender, address(0), licensee, grantId, 1, "");
    }

    /// @inheritdoc ILicenceLedger
    function renewLicence(GrantRef calldata ref, uint256 expectedPrice) external payable nonReentrant returns (uint40) {
        uint256 grantId = _grantIdOf(ref);
        LicenceStorage.StoredGrant storage grant = LicenceStorage.liveGrant(_s, grantId);
        Offer storage offer = _s.offers[ref.workId][ref.offerIndex];
        uint32 duration = offer.duration;
        if (duration == 0) revert NotRenewable(grantId);
        OfferStatus status = offer.status;
        if (status != OfferStatus.Open) revert OfferNotOpen(ref.workId, ref.offerIndex, status);
        uint256 price = offer.price;
        if (price != expectedPrice) revert PriceMismatch(price, expectedPrice);
        uint8 currencyId = offer.currencyId;
        _requireAllowed(currencyId);
        // A dispute or a pledge stops new sales, not the renewal of a grant already held; a new holder's renewals
        // go through offers of its own.
        TitleWord title = registry.titleWordOf(ref.workId);
        if (title.moves() != offer.moves) revert OfferVoid(ref.workId, ref.offerIndex);

        // A renewal extends a running grant: a lapsed one stays a record of its term (buy a new licence instead), so
        // a grant never covers a stretch nobody paid for.
        uint40 previousEnd = grant.end;
        if (previousEnd <= block.timestamp) revert GrantEnded(grantId, GrantStatus.Expired);
        if (previousEnd > block.timestamp + duration) {
            revert RenewalTooEarly(grantId, previousEnd, previousEnd - uint40(duration));
        }
        uint256 end = uint256(previousEnd) + duration;
        uint40 offerEnd = offer.end;
        if (end > offerEnd) end = offerEnd;
        if (end <= previousEnd) revert OfferEnded(ref.workId, ref.offerIndex, offerEnd);
        grant.end = uint40(end);

        Revenue memory revenue = _distribute(ref.workId, title, currencyId, price);
        emit LicenceRenewed(
            grantId,
            ref.workId,
            msg.sender,
            previousEnd,
            uint40(end),
            _tokenOf(currencyId),
            price,
            revenue.fee,
            revenue.royalty,
            revenue.version,
            revenue.payee,
            uint64(block.timestamp)
        );
        _collect(currencyId, price);
        return uint40(end);
    }

    /// @inheritdoc ILicenceLedger
    function surrenderLicence(uint256 grantId) external {
        LicenceStorage.StoredGrant storage grant = LicenceStorage.liveGrant(_s, grantId);
        if (grant.holder != msg.sender) revert NotGrantHolder(grantId, msg.sender);
        _end(grantId, grant, LicenceStorage.SURRENDERED);
        emit LicenceSurrendered(grantId, msg.sender, uint64(block.timestamp));
    }

    /// @inheritdoc ILicenceLedger
    function issueSublicence(
        GrantRef calldata parent,
        address licensee,
        SublicenceTerms calldata terms
    ) external returns (GrantRef memory) {
        return Sublicensing.issue(_s, registry, parent, licensee, terms);
    }

    /// @inheritdoc ILicenceLedger
    function useForDerivatives(GrantRef calldata ref) external {
        uint256 grantId = _grantIdOf(ref);
        LicenceStorage.StoredGrant storage grant = LicenceStorage.liveGrant(_s, grantId);
        if (grant.holder != msg.sender) revert NotGrantHolder(grantId, msg.sender);
        if (_s.offers[ref.workId][ref.offerIndex].uses & USE_ADAPT == 0) revert NotAdaptable(grantId);
        _s.derivativeGrants[msg.sender][ref.workId] = LicenceStorage.packRef(ref.offerIndex, ref.serial);
        emit DerivativeGrantSelected(msg.sender, ref.workId, grantId, uint64(block.timestamp));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Money
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ILicenceLedger
    function release(uint256 workId, uint32 version, address currency) external returns (uint256) {
        uint8 currencyId = currency == address(0) ? _NATIVE : _knownCurrencyId(currency);
        return RevenueSplits.release(_s, _owed, workId, version, currencyId, currency);
    }

    /// @inheritdoc ILicenceLedger
    function setPledgeeConsent(uint256 workId, bool allowed) external {
        address pledgee = registry.pledgeOf(workId).pledgee;
        if (pledgee == address(0) || pledgee != msg.sender) revert NotPledgee(workId, msg.sender);
        // Consent belongs to this pledge, numbered by the registry's count: a later pledge starts without it.
        uint32 pledge = registry.titleWordOf(workId).pledges();
        _s.pledgeConsent[workId] = allowed ? pledge : 0;
        emit PledgeeConsentSet(workId, pledgee, pledge, allowed, uint64(block.timestamp));
    }

    /// @inheritdoc ILicenceLedger
    function payDerivativeRoyalty(
        uint256 workId,
        address currency,
        uint256 earned
    ) external payable nonReentrant returns (uint256 amount) {
        uint8 currencyId = _allowedCurrencyId(currency);
        amount = _royaltyOn(workId, earned);
        if (amount != 0) {
            emit RoyaltiesPaidIn(workId, msg.sender, currency, earned, amount, uint64(block.timestamp));
            DerivativeRoyalties.pay(_s, _owed, registry, workId, currencyId, currency, amount);
        }
        _collect(currencyId, amount);
    }

    /// @notice Sets the ERC-1155 metadata URI template. Only the admin may.
    function setURI(string calldata uri_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _uri = uri_;
        emit UriChanged(uri_, uint64(block.timestamp));
    }

    // ------------------------------------------------------------------------------------------------------------
    // ERC-1155
    // ------------------------------------------------------------------------------------------------------------

    /// @notice 1 if `account` holds the live grant `id`, else 0.
    function balanceOf(address account, uint256 id) public view returns (uint256) {
        LicenceStorage.StoredGrant storage grant = _s.grants[id];
        return grant.holder == account && grant.state == LicenceStorage.LIVE ? 1 : 0;
    }

    /// @notice ERC-1155 balances, one per (account, id) pair; the loop runs once per pair the caller passes.
    function balanceOfBatch(
        address[] calldata accounts,
        uint256[] calldata ids
    ) external view returns (uint256[] memory balances) {
        if (accounts.length != ids.length) revert ERC1155InvalidArrayLength(ids.length, accounts.length);
        balances = new uint256[](accounts.length);
        for (uint256 i; i < accounts.length; ++i) balances[i] = balanceOf(accounts[i], ids[i]);
    }

    function setApprovalForAll(address operator, bool approved) external {
        if (operator == address(0)) revert ERC1155InvalidOperator(operator);
        _operatorApprovals[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function isApprovedForAll(address account, address operator) public view returns (bool) {
        return _operatorApprovals[account][operator];
    }

    /// @notice Moves a transferable licence token; `value` must be 1.
    function safeTransferFrom(address from, address to, uint256 id, uint256 value, bytes calldata data) external {
        _authoriseTransfer(from, to);
        _move(from, to, id, value);
        emit TransferSingle(msg.sender, from, to, id, value);
        ERC1155Utils.checkOnERC1155Received(msg.sender, from, to, id, value, data);
    }

    /// @notice Moves several transferable licence tokens; the loop runs once per id the caller passes.
    function safeBatchTransferFrom(
        address from,
        address to,
        uint256[] calldata ids,
        uint256[] calldata values,
        bytes calldata data
    ) external {
        if (ids.length != values.length) revert ERC1155InvalidArrayLength(ids.length, values.length);
        _authoriseTransfer(from, to);
        for (uint256 i; i < ids.length; ++i) _move(from, to, ids[i], values[i]);
        emit TransferBatch(msg.sender, from, to, ids, values);
        ERC1155Utils.checkOnERC1155BatchReceived(msg.sender, from, to, ids, values, data);
    }

    /// @inheritdoc IERC1155MetadataURI
    function uri(uint256) external view returns (string memory) {
        return _uri;
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) public view override(AccessControl, IERC165) returns (bool) {
        return
            interfaceId == type(IERC1155).interfaceId ||
            interfaceId == type(IERC1155MetadataURI).interfaceId ||
            interfaceId == type(ILicenceLedger).interfaceId ||
            interfaceId == type(IDerivativeAuthority).interfaceId ||
            AccessControl.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IDerivativeAuthority
    function derivativeGrantOf(address registrant, uint256 parentId) external view returns (uint256) {
        return DerivativeRoyalties.derivativeGrantOf(_s, registrant, parentId);
    }

    /// @inheritdoc IDerivativeAuthority
    function authoriseDerivative(
        address registrant,
        uint256 workId,
        uint256 parentId
    ) external returns (uint256 grantId, uint16 royaltyBps) {
        _requireRegistry();
        return DerivativeRoyalties.authorise(_s, registrant, workId, parentId);
    }

    /// @inheritdoc IDerivativeAuthority
    function clearDerivative(uint256 workId) external {
        _requireRegistry();
        DerivativeRoyalties.clear(_s, workId);
    }

    /// @inheritdoc ILicenceLedger
    function pledgeConsentOf(uint256 workId) external view returns (uint32) {
        return _s.pledgeConsent[workId];
    }

    /// @inheritdoc ILicenceLedger
    function royaltyParentsOf(uint256 workId) external view returns (RoyaltyParent[] memory) {
        return DerivativeRoyalties.parentsOf(_s, workId);
    }

    /// @inheritdoc ILicenceLedger
    function derivativeRoyaltyOf(uint256 workId, uint256 earned) external view returns (uint256) {
        return _royaltyOn(workId, earned);
    }

    /// @inheritdoc ILicenceLedger
    function grantIdOf(GrantRef calldata ref) external pure returns (uint256) {
        return _grantIdOf(ref);
    }

    /// @inheritdoc ILicenceLedger
    function offerOf(uint256 workId, uint32 offerIndex) external view returns (Offer memory offer) {
        offer = _s.offers[workId][offerIndex];
        if (offer.status == OfferStatus.None) revert UnknownOffer(workId, offerIndex);
    }

    /// @inheritdoc ILicenceLedger
    function offerCount(uint256 workId) external view returns (uint32) {
        return LicenceStorage.offerCount(_s, workId);
    }

    /// @inheritdoc ILicenceLedger
    function grantOf(uint256 grantId) external view returns (Grant memory) {
        LicenceStorage.StoredGrant memory g = _s.grants[grantId];
        if (g.state == 0) revert UnknownGrant(grantId);
        return Grant(g.holder, g.start, g.end, _statusOf(grantId, g), g.transferable, _s.parentGrants[grantId]);
    }

    /// @inheritdoc ILicenceLedger
    function grantStatus(uint256 grantId) external view returns (GrantStatus) {
        return _statusOf(grantId, _s.grants[grantId]);
    }

    /// @inheritdoc ILicenceLedger
    function permits(
        GrantRef calldata ref,
        address account,
        uint8 use,
        bytes2 country,
        uint16 field,
        uint64 time
    ) external view returns (bool) {
        LicenceStorage.countryBit(country);
        return LicenceStorage.permits(_s, ref, account, use, country, field, time);
    }

    /// @inheritdoc ILicenceLedger
    function findGrant(
        address account,
        uint256 workId,
        uint8 use,
        bytes2 country,
        uint16 field,
        uint64 time
    ) external view returns (GrantRef memory ref) {
        LicenceStorage.countryBit(country);
        uint32 count = LicenceStorage.offerCount(_s, workId);
        ref.workId = workId;
        for (uint32 i; i < count; ++i) {
            ref.offerIndex = i;
            uint24 sold = _s.offers[workId][i].sold;
            for (uint32 serial = 1; serial <= sold; ++serial) {
                ref.serial = serial;
                if (LicenceStorage.permits(_s, ref, account, use, country, field, time)) return ref;
            }
        }
        ref.offerIndex = 0;
        ref.serial = 0;
    }

    /// @inheritdoc ILicenceLedger
    function splitOf(uint256 workId, uint32 version) external view returns (address owner, Payee[] memory payees) {
        LicenceStorage.Split storage split = _s.splits[LicenceStorage.splitKey(workId, version)];
        if (split.owner == address(0)) revert UnknownSplit(workId, version);
        return (split.owner, split.payees);
    }

    /// @inheritdoc ILicenceLedger
    function currentSplit(uint256 workId) external view returns (uint32 version, bool inForce) {
        LicenceStorage.WorkState memory work = _s.works[workId];
        return (work.splitVersion, work.splitActive && work.splitMoves == registry.titleWordOf(workId).moves());
    }

    /// @inheritdoc ILicenceLedger
    function revenueOf(
        uint256 workId,
        uint32 version,
        address currency
    ) external view returns (uint256 total, uint256 unreleased) {
        uint8 currencyId = currency == address(0) ? _NATIVE : _knownCurrencyId(currency);
        bytes32 potKey = LicenceStorage.potKey(workId, version, currencyId);
        total = LicenceStorage.potTotal(_s, workId, version, currencyId, potKey);
        unreleased = total - _s.released[potKey];
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internals: sales
    // ------------------------------------------------------------------------------------------------------------

    /// @dev Where a payment went: the platform fee, the derivative royalty owed to the work's parents, the split
    /// version in force and the account credited with the rest (zero when the split's pot took it).
    struct Revenue {
        uint256 fee;
        uint256 royalty;
        uint32 version;
        address payee;
    }

    /// @dev Credits the fee to the treasury, the derivative royalty up the work's lineage, and the rest to the work's
    /// split pot when a split set by the current holder is in force, else to the holder.
    function _distribute(
        uint256 workId,
        TitleWord title,
        uint8 currencyId,
        uint256 price
    ) private returns (Revenue memory revenue) {
        if (price == 0) {
            revenue.payee = title.owner();
            return revenue;
        }
        revenue.fee = _takeFee(currencyId, price);
        uint256 net = price - revenue.fee;
        if (title.owesRoyalties()) {
            revenue.royalty = _royaltyOn(workId, net);
            net -= revenue.royalty;
        }
        (revenue.version, revenue.payee) = LicenceStorage.credit(
            _s,
            _owed,
            workId,
            title.owner(),
            title.moves(),
            currencyId,
            net
        );
        if (revenue.royalty != 0) {
            DerivativeRoyalties.pay(_s, _owed, registry, workId, currencyId, _tokenOf(currencyId), revenue.royalty);
        }
    }

    /// @dev The derivative royalty a work owes its parents on `earned`.
    function _royaltyOn(uint256 workId, uint256 earned) private view returns (uint256) {
        return (earned * _s.works[workId].royaltyBps) / _BPS;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internals: grants
    // ------------------------------------------------------------------------------------------------------------

    /// @dev Ends a grant now: its interval stops at this second, and the token is burnt.
    function _end(
        uint256 grantId,
        LicenceStorage.StoredGrant storage grant,
        uint8 state
    ) private returns (address holder) {
        holder = grant.holder;
        grant.state = state;
        if (grant.end > block.timestamp) grant.end = uint40(block.timestamp);
        emit TransferSingle(msg.sender, holder, address(0), grantId, 1);
    }

    /// @dev The loop climbs the sublicence chain: at most `MAX_SUBLICENCE_DEPTH` grants.
    function _statusOf(uint256 grantId, LicenceStorage.StoredGrant memory grant) private view returns (GrantStatus) {
        if (grant.state == 0) return GrantStatus.None;
        if (grant.state == LicenceStorage.TERMINATED) return GrantStatus.Terminated;
        if (grant.state == LicenceStorage.SURRENDERED) return GrantStatus.Surrendered;
        if (block.timestamp >= grant.end) return GrantStatus.Expired;
        for (uint256 id = _s.parentGrants[grantId]; id != 0; id = _s.parentGrants[id]) {
            if (_s.grants[id].state != LicenceStorage.LIVE && _s.grants[id].end <= block.timestamp)
                return GrantStatus.ParentEnded;
        }
        if (block.timestamp < grant.start) return GrantStatus.Scheduled;
        return GrantStatus.Active;
    }

    /// @dev A transfer of value 0 moves nothing and is allowed, as EIP-1155 asks.
    function _move(address from, address to, uint256 id, uint256 value) private {
        if (value == 0) return;
        LicenceStorage.StoredGrant storage grant = _s.grants[id];
        if (grant.holder != from || grant.state != LicenceStorage.LIVE || value != 1) {
            revert ERC1155InsufficientBalance(from, balanceOf(from, id), value, id);
        }
        if (!grant.transferable) revert LicenceNotTransferable(id);
        grant.holder = to;
        emit LicenceTransferred(id, from, to, uint64(block.timestamp));
    }

    function _authoriseTransfer(address from, address to) private view {
        if (to == address(0)) revert ERC1155InvalidReceiver(to);
        if (from != msg.sender && !_operatorApprovals[from][msg.sender])
            revert ERC1155MissingApprovalForAll(msg.sender, from);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internals: keys and small helpers
    // ------------------------------------------------------------------------------------------------------------

    function _ownedOffer(uint256 workId, uint32 offerIndex) private view returns (Offer storage offer) {
        _requireWorkOwner(workId);
        offer = _s.offers[workId][offerIndex];
        if (offer.status == OfferStatus.None) revert UnknownOffer(workId, offerIndex);
        if (offer.sold == 1 && _s.parentGrants[LicenceStorage.grantIdOf(workId, offerIndex, 1)] != 0) {
            revert SublicenceOffer(workId, offerIndex);
        }
    }

    function _grantIdOf(GrantRef calldata ref) private pure returns (uint256) {
        return LicenceStorage.grantIdOf(ref.workId, ref.offerIndex, ref.serial);
    }

    function _knownCurrencyId(address currency) private view returns (uint8 id) {
        id = _currencyIdOf(currency);
        if (id == _NATIVE) revert InvalidCurrency(currency);
    }

    function _requireRegistry() private view {
        if (msg.sender != address(registry)) revert NotRegistry(msg.sender);
    }

    function _toUint96(uint256 amount) private pure returns (uint96) {
        if (amount > type(uint96).max) revert AmountTooLarge(amount);
        return uint96(amount);
    }
}
