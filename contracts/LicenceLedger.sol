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
import {LicenceStorage} from "./libraries/LicenceStorage.sol";
import {RevenueSplits} from "./libraries/RevenueSplits.sol";
import {Sublicensing} from "./libraries/Sublicensing.sol";
import {Payments} from "./Payments.sol";

/**
 * @title LicenceLedger
 * @notice Licence offers, licence tokens (ERC-1155, one id per grant), sublicences, exclusivity, revenue splits. See
 * {ILicenceLedger}.
 *
 * @dev Laid out for the cost of a purchase, which writes one fresh slot (the grant: holder, start, end, state and
 * transferability packed in one word) and updates three warm ones (the offer's sold count, the work's revenue pot for
 * the native coin, the treasury's fee). The licence token keeps no per-holder balance count: ERC-1155 has none, which
 * is why the ledger uses it rather than ERC-721. Offers are numbered per work, so a grant id is computed from its
 * coordinates and nothing maps ids back to offers.
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
        (, bool disputed, uint32 moves, ) = _requireWorkOwner(workId);
        if (disputed) revert WorkDisputed(workId);
        LicenceStorage.checkScope(terms.uses, terms.fields, terms.worldwide, terms.territory);
        LicenceStorage.checkLegalText(terms.textHash, terms.textCid);
        if (terms.derivativeRoyaltyBps > _BPS) revert DerivativeRoyaltyTooHigh(terms.derivativeRoyaltyBps);
        if (terms.kind != LicenceKind.NonExclusive && terms.supply != 1) revert InvalidSupply(terms.kind, terms.supply);
        uint40 start = terms.start < block.timestamp ? uint40(block.timestamp) : terms.start;
        uint40 end = terms.end == 0 ? LicenceStorage.FOREVER : terms.end;
        if (end <= start) revert InvalidTerm(terms.start, terms.end, terms.duration);
        uint8 currencyId = _allowedCurrencyId(terms.currency);

        LicenceStorage.WorkState storage work = _s.works[workId];
        offerIndex = work.offerCount;
        _checkExclusivity(workId, offerIndex, moves, terms.kind != LicenceKind.NonExclusive, terms, start, end);
        work.offerCount = offerIndex + 1;

        bytes32 termsHash = keccak256(abi.encode(terms));
        Offer storage offer = _s.offers[workId][offerIndex];
        offer.kind = terms.kind;
        offer.status = OfferStatus.Open;
        offer.uses = terms.uses;
        offer.fields = terms.fields;
        offer.transferable = terms.transferable;
        offer.supply = terms.supply;
        offer.start = start;
        offer.end = end;
        offer.duration = terms.duration;
        offer.currencyId = currencyId;
        offer.moves = moves;
        offer.termsHash = bytes20(termsHash);
        offer.price = _toUint96(price);
        LicenceStorage.storeTerritory(offer, terms.territory);
        emit OfferCreated(workId, offerIndex, msg.sender, termsHash, terms, price, uint64(block.timestamp));
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
            (address owner, , , , ) = _titleOf(ref.workId);
            if (owner != msg.sender) revert NotLicensor(grantId, msg.sender);
        } else if (_s.grants[parentGrantId].holder != msg.sender) {
            revert NotLicensor(grantId, msg.sender);
        }
        address holder = _end(grantId, grant, LicenceStorage.TERMINATED);
        emit LicenceTerminated(grantId, ref.workId, msg.sender, holder, reasonCid, uint64(block.timestamp));
    }

    /// @inheritdoc ILicenceLedger
    function setSplits(uint256 workId, Payee[] calldata payees) external {
        (, , uint32 moves, ) = _requireWorkOwner(workId);
        RevenueSplits.set(_s, workId, payees, moves);
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
        address owner = _checkSellable(workId, offerIndex, offer.moves);

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
        if (offer.uses & USE_ADAPT != 0)
            _s.derivativeGrants[licensee][workId] = LicenceStorage.packRef(offerIndex, sold);

        uint8 currencyId = offer.currencyId;
        (uint256 fee, uint32 version, address payee) = _distribute(workId, owner, offer.moves, currencyId, price);
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
            fee,
            version,
            payee,
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
        address owner = _checkSellable(ref.workId, ref.offerIndex, offer.moves);

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

        uint8 currencyId = offer.currencyId;
        (uint256 fee, uint32 version, address payee) = _distribute(ref.workId, owner, offer.moves, currencyId, price);
        emit LicenceRenewed(
            grantId,
            ref.workId,
            msg.sender,
            previousEnd,
            uint40(end),
            _tokenOf(currencyId),
            price,
            fee,
            version,
            payee,
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
        return Sublicensing.issue(_s, parent, licensee, terms);
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
        _s.pledgeeConsent[workId] = allowed ? pledgee : address(0);
        emit PledgeeConsentSet(workId, pledgee, allowed, uint64(block.timestamp));
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
    function derivativeGrantOf(address registrant, uint256 parentId) external view returns (uint256 grantId) {
        uint64 packed = _s.derivativeGrants[registrant][parentId];
        if (packed == 0) return 0;
        GrantRef memory ref = GrantRef(parentId, uint32(packed >> 32), uint32(packed));
        bool allowed = _permits(ref, registrant, USE_ADAPT, bytes2(0), 0, uint64(block.timestamp));
        return allowed ? LicenceStorage.grantIdOf(ref.workId, ref.offerIndex, ref.serial) : 0;
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
        return _s.works[workId].offerCount;
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
        return _permits(ref, account, use, country, field, time);
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
        uint32 count = _s.works[workId].offerCount;
        ref.workId = workId;
        for (uint32 i; i < count; ++i) {
            ref.offerIndex = i;
            uint24 sold = _s.offers[workId][i].sold;
            for (uint32 serial = 1; serial <= sold; ++serial) {
                ref.serial = serial;
                if (_permits(ref, account, use, country, field, time)) return ref;
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
        (, , , uint32 moves, ) = registry.titleOf(workId);
        return (work.splitVersion, work.splitActive && work.splitMoves == moves);
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

    /// @dev Refuses a sale or renewal of a work that is disputed, has changed holder since the offer, or is pledged
    /// without the pledgee's consent; returns the holder.
    function _checkSellable(uint256 workId, uint32 offerIndex, uint32 offerMoves) private view returns (address) {
        (address owner, bool pledged, bool disputed, uint32 moves, ) = registry.titleOf(workId);
        if (moves != offerMoves) revert OfferVoid(workId, offerIndex);
        if (disputed) revert WorkDisputed(workId);
        if (pledged) {
            address pledgee = registry.pledgeOf(workId).pledgee;
            if (_s.pledgeeConsent[workId] != pledgee) revert WorkPledged(workId, pledgee);
        }
        return owner;
    }

    /// @dev Credits the fee to the treasury and the rest to the work's split pot when a split set by the current
    /// holder is in force, else to the holder.
    function _distribute(
        uint256 workId,
        address owner,
        uint32 moves,
        uint8 currencyId,
        uint256 price
    ) private returns (uint256 fee, uint32 version, address payee) {
        if (price == 0) return (0, 0, owner);
        fee = _takeFee(currencyId, price);
        uint256 net = price - fee;
        LicenceStorage.WorkState storage work = _s.works[workId];
        version = work.splitVersion;
        if (work.splitActive && work.splitMoves == moves) {
            if (currencyId == _NATIVE) work.nativePot += _toUint128(net);
            else _s.pots[LicenceStorage.potKey(workId, version, currencyId)] += net;
        } else {
            payee = owner;
            _credit(owner, currencyId, net);
        }
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

    /// @dev Whether grant `ref` allowed `account` the use at `time`. `country == 0` and `field == 0` skip those
    /// checks (the registry's derivative question has neither).
    function _permits(
        GrantRef memory ref,
        address account,
        uint8 use,
        bytes2 country,
        uint16 field,
        uint64 time
    ) private view returns (bool) {
        uint256 grantId = LicenceStorage.grantIdOf(ref.workId, ref.offerIndex, ref.serial);
        LicenceStorage.StoredGrant memory grant = _s.grants[grantId];
        if (grant.state == 0 || grant.holder != account) return false;
        if (time < grant.start || time >= grant.end) return false;
        Offer storage offer = _s.offers[ref.workId][ref.offerIndex];
        if (offer.uses & use != use || use == 0) return false;
        if (field != 0 && offer.fields & field == 0) return false;
        if (country != bytes2(0) && !_isWorldwide(offer)) {
            uint256 bit = LicenceStorage.countryBit(country);
            if ((offer.territory[bit >> 8] >> (bit & 255)) & 1 == 0) return false;
        }
        // A sublicence permits only while every grant above it did.
        for (uint256 id = _s.parentGrants[grantId]; id != 0; id = _s.parentGrants[id]) {
            LicenceStorage.StoredGrant memory parent = _s.grants[id];
            if (time < parent.start || time >= parent.end) return false;
        }
        return true;
    }

    function _move(address from, address to, uint256 id, uint256 value) private {
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
    // Internals: scope
    // ------------------------------------------------------------------------------------------------------------

    /// @dev Refuses a new offer whose scope overlaps a live offer's when either is sole or exclusive. Sublicences are
    /// one-grant non-exclusive offers, so a new exclusive offer cannot overlap a live sublicence either.
    function _checkExclusivity(
        uint256 workId,
        uint32 count,
        uint32 moves,
        bool exclusive,
        LicenceTerms calldata terms,
        uint40 start,
        uint40 end
    ) private view {
        for (uint32 i; i < count; ++i) {
            Offer storage other = _s.offers[workId][i];
            if (!exclusive && other.kind == LicenceKind.NonExclusive) continue;
            if (!_reserves(workId, i, other, moves)) continue;
            if (start >= other.end || other.start >= end) continue;
            if (terms.fields & other.fields == 0) continue;
            if (!terms.worldwide && !_isWorldwide(other)) {
                if (
                    terms.territory[0] & other.territory[0] == 0 &&
                    terms.territory[1] & other.territory[1] == 0 &&
                    terms.territory[2] & other.territory[2] == 0
                ) continue;
            }
            revert ExclusivityConflict(workId, i);
        }
    }

    /// @dev Whether an offer still holds its scope: an offer that sold nothing and can sell nothing more (closed, or
    /// void because the work changed holder since) does not, nor a sole or exclusive offer whose one grant was
    /// terminated or surrendered.
    function _reserves(uint256 workId, uint32 index, Offer storage offer, uint32 moves) private view returns (bool) {
        uint24 sold = offer.sold;
        if (sold == 0) return offer.status != OfferStatus.Closed && offer.moves == moves;
        if (offer.kind == LicenceKind.NonExclusive) return true;
        return _s.grants[LicenceStorage.grantIdOf(workId, index, 1)].state == LicenceStorage.LIVE;
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

    function _isWorldwide(Offer storage offer) private view returns (bool) {
        return offer.territory[0] == 0 && offer.territory[1] == 0 && offer.territory[2] == 0;
    }

    function _toUint96(uint256 amount) private pure returns (uint96) {
        if (amount > type(uint96).max) revert AmountTooLarge(amount);
        return uint96(amount);
    }

    function _toUint128(uint256 amount) private pure returns (uint128) {
        if (amount > type(uint128).max) revert AmountTooLarge(amount);
        return uint128(amount);
    }
}
