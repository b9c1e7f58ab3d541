// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {IERC4906} from "@openzeppelin/contracts/interfaces/IERC4906.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {ERC721Utils} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Utils.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IDerivativeAuthority} from "./interfaces/IDerivativeAuthority.sol";
import {IProvenanceRegistry} from "./interfaces/IProvenanceRegistry.sol";
import {Cid} from "./libraries/Cid.sol";
import {TitleWord, TitleWordLib} from "./libraries/TitleWord.sol";

/**
 * @title ProvenanceRegistry
 * @notice Titlechain's registry of works: an ERC-721 whose tokens are provenance records and whose owners are the
 * copyright holders. See {IProvenanceRegistry} for the protocol.
 *
 * @dev Storage is laid out for the cost of a registration, which writes exactly four fresh slots: the title (owner,
 * status flags and counters), the record (creator, time, royalty rate, metadata codec), the metadata digest, and the
 * holder's account (balance and signature nonce share one slot). OpenZeppelin's ERC-721 supplies approvals and the
 * transfer entry points; its owner and balance storage is replaced through {_ownerOf}, {balanceOf} and {_update}.
 */
contract ProvenanceRegistry is IProvenanceRegistry, ERC721, EIP712, AccessControl, IERC2981, IERC4906 {
    /// @notice Role allowed to flag and clear disputes.
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    /// @notice Highest ERC-2981 royalty rate a creator may choose (25%).
    uint16 public constant MAX_ROYALTY_BPS = 2_500;
    /// @notice Highest number of parent works a derivative may name.
    uint256 public constant MAX_PARENTS = 16;
    /// @notice How much older than a registration's time a commitment must be to displace it. A pending transaction
    /// shows its content hash to anyone watching the mempool; a commitment made after seeing it is at most this much
    /// older than the block that includes it unless the transaction waited longer than this.
    uint64 public constant PRIORITY_MARGIN = 1 days;
    /// @notice How long after the block that recorded a registration an earlier commitment may displace it (a public
    /// notice period); after it the registration is final against priority claims.
    uint64 public constant PRIORITY_CLAIM_PERIOD = 30 days;
    /// @notice EIP-712 type of a gasless registration.
    bytes32 public constant REGISTER_TYPEHASH = keccak256(
        "Register(address creator,address to,bytes32 contentHash,bytes metadataCid,address royaltyReceiver,"
        "uint16 royaltyBps,uint256[] parents,uint256 nonce,uint256 deadline)"
    );

    /// @notice EIP-712 type of a gasless reveal: the registration and the salt of the creator's commitment.
    bytes32 public constant REVEAL_TYPEHASH = keccak256(
        "Reveal(address creator,address to,bytes32 contentHash,bytes metadataCid,address royaltyReceiver,"
        "uint16 royaltyBps,uint256[] parents,bytes32 salt,uint256 nonce,uint256 deadline)"
    );

    /// @notice EIP-712 type of a gasless reveal of many leaves of one batch, each a `RevealItem`.
    bytes32 public constant REVEAL_BATCH_TYPEHASH = keccak256(
        "RevealBatch(address creator,RevealItem[] items,address submitter,bytes32 root,uint256 nonce,uint256 deadline)"
        "RevealItem(address to,bytes32 contentHash,bytes metadataCid,address royaltyReceiver,uint16 royaltyBps,"
        "uint256[] parents,bytes32 salt)"
    );

    /// @notice EIP-712 type of one leaf of a {REVEAL_BATCH_TYPEHASH} reveal: its registration and salt.
    bytes32 public constant REVEAL_ITEM_TYPEHASH = keccak256(
        "RevealItem(address to,bytes32 contentHash,bytes metadataCid,address royaltyReceiver,uint16 royaltyBps,"
        "uint256[] parents,bytes32 salt)"
    );

    uint16 private constant _BPS = 10_000;

    /// @dev The ERC-721 owner slot, with {IProvenanceRegistry-Title}'s flags as bits and its counters beside it: one
    /// word, read by every sale and licence as a {TitleWord} (Solidity packs these fields in that layout).
    struct TitleSlot {
        address owner;
        uint8 flags;
        uint24 moves;
        uint24 pledges;
        uint24 encumbrances;
        uint16 revealDays;
    }

    uint8 private constant _PLEDGED = TitleWordLib.PLEDGED;
    uint8 private constant _DISPUTED = TitleWordLib.DISPUTED;
    uint8 private constant _OWES_ROYALTIES = TitleWordLib.OWES_ROYALTIES;

    /// @dev Facts fixed at registration, stored packed in one word by {_storeRecord} (one SSTORE, where assigning a
    /// storage struct writes field by field).
    struct Record {
        address creator;
        uint40 registeredAt;
        uint16 royaltyBps;
        uint32 metadataCodec;
    }

    /// @dev Per account: the ERC-721 balance and the next gasless-registration nonce.
    struct Account {
        uint64 balance;
        uint64 nonce;
    }

    mapping(uint256 workId => TitleSlot) private _titles;
    mapping(uint256 workId => uint256 packed) private _records;
    mapping(uint256 workId => bytes32 digest) private _metadataDigests;
    mapping(uint256 workId => address receiver) private _royaltyReceivers;
    mapping(uint256 workId => uint256[] parentIds) private _parents;
    mapping(uint256 workId => Pledge) private _pledges;
    mapping(address account => Account) private _accounts;
    mapping(bytes32 commitment => uint64 committedAt) private _commitments;
    mapping(address submitter => mapping(bytes32 root => uint64 anchoredAt)) private _batches;
    address private _derivativeAuthority;

    /// @param admin Account holding the admin role (grants arbiters, sets the derivative authority).
    constructor(address admin) ERC721("Titlechain Provenance", "TITLE") EIP712("Titlechain Provenance Registry", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Registration
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IProvenanceRegistry
    function register(Registration calldata r) external returns (uint256) {
        return _register(msg.sender, r, uint40(block.timestamp), 0);
    }

    /// @inheritdoc IProvenanceRegistry
    function registerWithSig(
        Registration calldata r,
        address creator,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256) {
        if (block.timestamp > deadline) revert SignatureExpired(deadline, block.timestamp);
        _useNonce(creator, nonce);
        bytes32 digest = _registrationDigest(r, creator, nonce, deadline);
        if (!_isValidSignature(creator, digest, signature)) revert InvalidSignature(creator);
        return _register(creator, r, uint40(block.timestamp), 0);
    }

    /// @inheritdoc IProvenanceRegistry
    function invalidateNonce() external {
        Account storage account = _accounts[msg.sender];
        uint64 nonce = account.nonce;
        account.nonce = nonce + 1;
        emit NonceInvalidated(msg.sender, nonce, uint64(block.timestamp));
    }

    /// @inheritdoc IProvenanceRegistry
    function commit(bytes32 commitment) external {
        if (commitment == bytes32(0)) revert InvalidCommitment(commitment);
        uint64 committedAt = _commitments[commitment];
        if (committedAt != 0) revert CommitmentExists(commitment, committedAt);
        _commitments[commitment] = uint64(block.timestamp);
        emit Committed(commitment, msg.sender, uint64(block.timestamp));
    }

    /// @inheritdoc IProvenanceRegistry
    function reveal(Registration calldata r, bytes32 salt) external returns (uint256) {
        return _revealCommitment(msg.sender, r, salt);
    }

    /// @inheritdoc IProvenanceRegistry
    function revealWithSig(
        Registration calldata r,
        bytes32 salt,
        address creator,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256) {
        _checkRevealSignature(r, salt, creator, nonce, deadline, signature);
        return _revealCommitment(creator, r, salt);
    }

    /// @inheritdoc IProvenanceRegistry
    function anchorBatch(bytes32 root, uint32 leafCount, bytes calldata leavesCid) external {
        if (root == bytes32(0)) revert InvalidCommitment(root);
        uint64 anchoredAt = _batches[msg.sender][root];
        if (anchoredAt != 0) revert BatchExists(msg.sender, root, anchoredAt);
        _batches[msg.sender][root] = uint64(block.timestamp);
        emit BatchAnchored(root, msg.sender, leafCount, leavesCid, uint64(block.timestamp));
    }

    /// @inheritdoc IProvenanceRegistry
    function revealFromBatch(
        Registration calldata r,
        bytes32 salt,
        address submitter,
        bytes32 root,
        bytes32[] calldata proof
    ) external returns (uint256) {
        return _revealLeaf(msg.sender, r, salt, submitter, root, proof);
    }

    /// @inheritdoc IProvenanceRegistry
    function revealFromBatchWithSig(
        Registration calldata r,
        bytes32 salt,
        address creator,
        address submitter,
        bytes32 root,
        bytes32[] calldata proof,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256) {
        _checkRevealSignature(r, salt, creator, nonce, deadline, signature);
        return _revealLeaf(creator, r, salt, submitter, root, proof);
    }

    /// @inheritdoc IProvenanceRegistry
    function revealBatchWithSig(
        Registration[] calldata rs,
        bytes32[] calldata salts,
        bytes32[][] calldata proofs,
        address creator,
        address submitter,
        bytes32 root,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 count) {
        count = rs.length;
        if (count == 0 || salts.length != count || proofs.length != count) {
            revert BatchLengthMismatch(count, salts.length, proofs.length);
        }
        if (block.timestamp > deadline) revert SignatureExpired(deadline, block.timestamp);
        _useNonce(creator, nonce);
        bytes32[] memory items = new bytes32[](count);
        for (uint256 i; i < count; ++i) items[i] = _revealItemHash(rs[i], salts[i]);
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(
                    REVEAL_BATCH_TYPEHASH,
                    creator,
                    keccak256(abi.encodePacked(items)),
                    submitter,
                    root,
                    nonce,
                    deadline
                )
            )
        );
        if (!_isValidSignature(creator, digest, signature)) revert InvalidSignature(creator);
        for (uint256 i; i < count; ++i) _revealLeaf(creator, rs[i], salts[i], submitter, root, proofs[i]);
    }

    function _revealItemHash(Registration calldata r, bytes32 salt) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    REVEAL_ITEM_TYPEHASH,
                    r.to,
                    r.contentHash,
                    keccak256(r.metadataCid),
                    r.royaltyReceiver,
                    r.royaltyBps,
                    keccak256(abi.encodePacked(r.parents)),
                    salt
                )
            );
    }

    function _revealCommitment(address creator, Registration calldata r, bytes32 salt) private returns (uint256) {
        bytes32 commitment = _commitmentOf(creator, r.contentHash, salt);
        uint64 committedAt = _commitments[commitment];
        if (committedAt == 0) revert UnknownCommitment(commitment);
        return _reveal(creator, r, commitment, address(0), bytes32(0), committedAt);
    }

    function _revealLeaf(
        address creator,
        Registration calldata r,
        bytes32 salt,
        address submitter,
        bytes32 root,
        bytes32[] calldata proof
    ) private returns (uint256) {
        uint64 anchoredAt = _batches[submitter][root];
        if (anchoredAt == 0) revert UnknownBatch(submitter, root);
        bytes32 commitment = _commitmentOf(creator, r.contentHash, salt);
        // OpenZeppelin StandardMerkleTree leaf of the tuple (address creator, bytes32 contentHash, bytes32 salt).
        bytes32 leaf = keccak256(bytes.concat(commitment));
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert InvalidMerkleProof(root, leaf);
        return _reveal(creator, r, commitment, submitter, root, anchoredAt);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Holder actions
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IProvenanceRegistry
    function assign(address to, uint256 workId, bytes32 deedHash, bytes calldata deedCid) external {
        if (deedHash == bytes32(0)) revert InvalidDeed(deedHash);
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        // _checkAuthorized inside _update rejects unknown works and unauthorised callers.
        address from = _update(to, workId, msg.sender);
        emit AssignmentRecorded(workId, from, to, deedHash, deedCid, uint64(block.timestamp));
        ERC721Utils.checkOnERC721Received(msg.sender, from, to, workId, "");
    }

    /// @inheritdoc IProvenanceRegistry
    function updateMetadata(uint256 workId, bytes calldata metadataCid) external {
        TitleSlot storage title = _requireWorkOwner(workId);
        (uint32 codec, bytes32 digest) = _parseCid(metadataCid);
        Record memory record = _loadRecord(workId);
        record.metadataCodec = codec;
        _storeRecord(workId, record);
        _metadataDigests[workId] = digest;
        unchecked {
            ++title.encumbrances;
        }
        emit MetadataChanged(workId, msg.sender, codec, digest, uint64(block.timestamp));
        emit MetadataUpdate(workId);
    }

    /// @inheritdoc IProvenanceRegistry
    function pledge(uint256 workId, address pledgee, uint64 maturity, bytes calldata agreementCid) external {
        TitleSlot storage title = _requireWorkOwner(workId);
        if (title.flags & _PLEDGED != 0) revert WorkIsPledged(workId, _pledges[workId].pledgee);
        if (pledgee == address(0) || pledgee == msg.sender) revert InvalidPledgee(pledgee);
        if (maturity <= block.timestamp) revert InvalidMaturity(maturity, uint64(block.timestamp));
        title.flags |= _PLEDGED;
        unchecked {
            ++title.pledges;
        }
        _pledges[workId] = Pledge(pledgee, maturity);
        emit WorkPledged(workId, msg.sender, pledgee, maturity, agreementCid, uint64(block.timestamp));
    }

    /// @inheritdoc IProvenanceRegistry
    function releasePledge(uint256 workId) external {
        TitleSlot storage title = _requirePledgee(workId);
        title.flags &= ~_PLEDGED;
        delete _pledges[workId];
        emit PledgeReleased(workId, title.owner, msg.sender, uint64(block.timestamp));
    }

    /// @inheritdoc IProvenanceRegistry
    function foreclose(uint256 workId) external {
        TitleSlot storage title = _requirePledgee(workId);
        uint64 maturity = _pledges[workId].maturity;
        if (block.timestamp < maturity) revert PledgeNotMatured(workId, maturity);
        title.flags &= ~_PLEDGED;
        delete _pledges[workId];
        address previousOwner = _update(msg.sender, workId, address(0));
        emit PledgeForeclosed(workId, previousOwner, msg.sender, uint64(block.timestamp));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Arbitration and administration
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IProvenanceRegistry
    function flagDispute(uint256 workId, bytes calldata evidenceCid) external onlyRole(ARBITER_ROLE) {
        TitleSlot storage title = _requireWork(workId);
        if (title.flags & _DISPUTED != 0) revert WorkAlreadyDisputed(workId);
        title.flags |= _DISPUTED;
        emit DisputeFlagged(workId, msg.sender, evidenceCid, uint64(block.timestamp));
    }

    /// @inheritdoc IProvenanceRegistry
    function clearDispute(uint256 workId, bytes calldata resolutionCid) external onlyRole(ARBITER_ROLE) {
        TitleSlot storage title = _requireWork(workId);
        if (title.flags & _DISPUTED == 0) revert WorkNotDisputed(workId);
        title.flags &= ~_DISPUTED;
        emit DisputeCleared(workId, msg.sender, resolutionCid, uint64(block.timestamp));
    }

    /// @inheritdoc IProvenanceRegistry
    function setDerivativeAuthority(address authority) external onlyRole(DEFAULT_ADMIN_ROLE) {
        emit DerivativeAuthorityChanged(_derivativeAuthority, authority, uint64(block.timestamp));
        _derivativeAuthority = authority;
    }

    /// @inheritdoc IProvenanceRegistry
    function encumber(uint256 workId) external returns (TitleWord) {
        if (msg.sender != _derivativeAuthority) revert NotDerivativeAuthority(msg.sender);
        TitleSlot storage title = _requireWork(workId);
        unchecked {
            ++title.encumbrances;
        }
        return _wordOf(title);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IProvenanceRegistry
    function workOf(uint256 workId) external view returns (Work memory work) {
        TitleSlot storage title = _requireWork(workId);
        Record memory record = _loadRecord(workId);
        work.owner = title.owner;
        work.creator = record.creator;
        work.registeredAt = record.registeredAt;
        work.recordedAt = _recordedAt(record, title);
        work.royaltyBps = record.royaltyBps;
        work.royaltyReceiver = _royaltyReceiverOf(workId, record.creator);
        work.pledged = title.flags & _PLEDGED != 0;
        work.disputed = title.flags & _DISPUTED != 0;
        work.metadataCid = Cid.encode(record.metadataCodec, _metadataDigests[workId]);
        work.parents = _parents[workId];
    }

    /// @inheritdoc IProvenanceRegistry
    function titleOf(uint256 workId) external view returns (Title memory) {
        TitleWord t = _wordOf(_titles[workId]);
        return
            Title(
                t.owner(),
                t.pledged(),
                t.disputed(),
                t.owesRoyalties(),
                t.moves(),
                t.pledges(),
                t.encumbrances(),
                t.revealDays()
            );
    }

    /// @inheritdoc IProvenanceRegistry
    function titleWordOf(uint256 workId) external view returns (TitleWord) {
        return _wordOf(_titles[workId]);
    }

    /// @inheritdoc IProvenanceRegistry
    function pledgeOf(uint256 workId) external view returns (Pledge memory) {
        return _pledges[workId];
    }

    /// @inheritdoc IProvenanceRegistry
    function commitmentTime(bytes32 commitment) external view returns (uint64) {
        return _commitments[commitment];
    }

    /// @inheritdoc IProvenanceRegistry
    function batchTime(address submitter, bytes32 root) external view returns (uint64) {
        return _batches[submitter][root];
    }

    /// @inheritdoc IProvenanceRegistry
    function nonces(address account) external view returns (uint256) {
        return _accounts[account].nonce;
    }

    /// @inheritdoc IProvenanceRegistry
    function registrationDigest(
        Registration calldata r,
        address creator,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return _registrationDigest(r, creator, nonce, deadline);
    }

    /// @inheritdoc IProvenanceRegistry
    function derivativeAuthority() external view returns (address) {
        return _derivativeAuthority;
    }

    /// @notice `ipfs://<CIDv1 base32>` of the work's metadata JSON.
    function tokenURI(uint256 workId) public view override returns (string memory) {
        _requireWork(workId);
        return string.concat("ipfs://", Cid.toBase32(_loadRecord(workId).metadataCodec, _metadataDigests[workId]));
    }

    /// @inheritdoc IERC2981
    function royaltyInfo(uint256 workId, uint256 salePrice) external view returns (address, uint256) {
        _requireWork(workId);
        Record memory record = _loadRecord(workId);
        return (_royaltyReceiverOf(workId, record.creator), (salePrice * record.royaltyBps) / _BPS);
    }

    /// @notice ERC-721 balance; reverts for the zero address as ERC-721 requires.
    function balanceOf(address owner) public view override(ERC721, IERC721) returns (uint256) {
        if (owner == address(0)) revert ERC721InvalidOwner(address(0));
        return _accounts[owner].balance;
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl, IERC165) returns (bool) {
        return
            interfaceId == type(IERC2981).interfaceId ||
            interfaceId == bytes4(0x49064906) || // ERC-4906
            interfaceId == type(IProvenanceRegistry).interfaceId ||
            ERC721.supportsInterface(interfaceId) ||
            AccessControl.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------------------------

    function _register(
        address creator,
        Registration calldata r,
        uint40 registeredAt,
        uint16 revealDays
    ) private returns (uint256 workId) {
        (uint32 codec, bytes32 digest, address to) = _checkRegistration(r);
        workId = uint256(r.contentHash);
        TitleSlot storage title = _titles[workId];
        address existing = title.owner;
        if (existing != address(0)) revert WorkAlreadyRegistered(workId, existing);
        bool owesRoyalties = r.parents.length != 0 && _recordParents(creator, workId, r.parents);

        _storeRecord(workId, Record(creator, registeredAt, r.royaltyBps, codec));
        _metadataDigests[workId] = digest;
        address royaltyReceiver = r.royaltyReceiver;
        if (royaltyReceiver == address(0)) royaltyReceiver = creator;
        else if (royaltyReceiver != creator) _royaltyReceivers[workId] = royaltyReceiver;
        unchecked {
            ++_accounts[to].balance;
        }
        _storeNewTitle(title, to, owesRoyalties ? _OWES_ROYALTIES : 0, revealDays);

        emit Transfer(address(0), to, workId);
        emit WorkRegistered(workId, creator, codec, digest, royaltyReceiver, r.royaltyBps, registeredAt);
    }

    /// @dev Checks what every registration checks, before anything is written; returns the parsed metadata CID and
    /// the first holder.
    function _checkRegistration(
        Registration calldata r
    ) private pure returns (uint32 codec, bytes32 digest, address to) {
        bytes32 contentHash = r.contentHash;
        if (contentHash == bytes32(0)) revert InvalidContentHash(contentHash);
        (codec, digest) = _parseCid(r.metadataCid);
        uint16 royaltyBps = r.royaltyBps;
        if (royaltyBps > MAX_ROYALTY_BPS) revert RoyaltyTooHigh(royaltyBps, MAX_ROYALTY_BPS);
        to = r.to;
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
    }

    function _reveal(
        address creator,
        Registration calldata r,
        bytes32 commitment,
        address submitter,
        bytes32 root,
        uint64 committedAt
    ) private returns (uint256 workId) {
        workId = uint256(r.contentHash);
        TitleSlot storage title = _titles[workId];
        address holder = title.owner;
        if (holder == address(0)) {
            _register(creator, r, uint40(committedAt), _daysSince(committedAt));
        } else {
            Record memory record = _loadRecord(workId);
            if (record.creator == creator) {
                // A work registered by the same creator at the commitment's own time came from this commitment.
                if (record.registeredAt == committedAt) revert CommitmentAlreadyRevealed(commitment, workId);
                revert WorkAlreadyRegistered(workId, holder);
            }
            _claimPriority(creator, workId, title, record, r, committedAt);
        }
        emit CommitmentRevealed(commitment, workId, root, submitter, committedAt, uint64(block.timestamp));
    }

    /// @dev Replaces another creator's registration of the same file by the caller's earlier commitment: see
    /// {IProvenanceRegistry-reveal}. The displaced record stays in the events; the token moves like a foreclosure.
    function _claimPriority(
        address creator,
        uint256 workId,
        TitleSlot storage title,
        Record memory displaced,
        Registration calldata r,
        uint64 committedAt
    ) private {
        if (committedAt + PRIORITY_MARGIN > displaced.registeredAt) {
            revert NoPriority(workId, committedAt, displaced.registeredAt);
        }
        uint64 displacedRecordedAt = _recordedAt(displaced, title);
        if (block.timestamp >= displacedRecordedAt + PRIORITY_CLAIM_PERIOD) {
            revert PriorityClaimClosed(workId, displacedRecordedAt + PRIORITY_CLAIM_PERIOD);
        }
        if (r.parents.length != 0) revert PriorityClaimWithParents(workId);
        (uint32 codec, bytes32 digest, address to) = _checkRegistration(r);
        uint8 flags = title.flags;
        address clearedPledgee;
        if (flags & _PLEDGED != 0) {
            clearedPledgee = _pledges[workId].pledgee;
            delete _pledges[workId];
        }
        if (_parents[workId].length != 0) delete _parents[workId];
        title.flags = flags & _DISPUTED;
        title.revealDays = _daysSince(committedAt);
        unchecked {
            ++title.encumbrances;
        }
        _storeRecord(workId, Record(creator, uint40(committedAt), r.royaltyBps, codec));
        _metadataDigests[workId] = digest;
        delete _royaltyReceivers[workId];
        address royaltyReceiver = _storeRoyaltyReceiver(workId, creator, r.royaltyReceiver);
        emit PriorityClaimed(
            workId,
            creator,
            to,
            codec,
            digest,
            royaltyReceiver,
            r.royaltyBps,
            committedAt,
            displaced.creator,
            displaced.registeredAt,
            displacedRecordedAt,
            clearedPledgee,
            uint64(block.timestamp)
        );
        _update(to, workId, address(0));
        // The displaced registration's parents are owed nothing more; the ledger is trusted (set by the admin).
        if (flags & _OWES_ROYALTIES != 0) IDerivativeAuthority(_derivativeAuthority).clearDerivative(workId);
    }

    /// @dev Checks and records a derivative's parents; returns whether the work owes any of them a royalty. The loops
    /// run over at most `MAX_PARENTS` parents (the duplicate check, over pairs of them).
    function _recordParents(
        address registrant,
        uint256 workId,
        uint256[] calldata parents
    ) private returns (bool owesRoyalties) {
        uint256 count = parents.length;
        if (count > MAX_PARENTS) revert TooManyParents(count, MAX_PARENTS);
        address authority = _derivativeAuthority;
        for (uint256 i; i < count; ++i) {
            uint256 parentId = parents[i];
            if (parentId == workId) revert SelfParent(workId);
            for (uint256 j; j < i; ++j) {
                if (parents[j] == parentId) revert DuplicateParent(parentId);
            }
            address parentOwner = _titles[parentId].owner;
            if (parentOwner == address(0)) revert UnknownParent(parentId);
            if (parentOwner == registrant) continue;
            uint256 grantId;
            uint16 royaltyBps;
            if (authority != address(0)) {
                (grantId, royaltyBps) = IDerivativeAuthority(authority).authoriseDerivative(
                    registrant,
                    workId,
                    parentId
                );
            }
            if (grantId == 0) revert ParentNotAuthorised(parentId, registrant);
            if (royaltyBps != 0) owesRoyalties = true;
            emit DerivativeAuthorised(workId, parentId, authority, grantId, uint64(block.timestamp));
        }
        _parents[workId] = parents;
        emit WorkDerived(workId, parents, uint64(block.timestamp));
    }

    /// @dev Ownership and balance live in this contract's packed slots; pledged works only move by foreclosure or a
    /// priority claim, which clear the flag first.
    function _update(address to, uint256 workId, address auth) internal override returns (address from) {
        TitleSlot storage title = _titles[workId];
        from = title.owner;
        if (auth != address(0)) _checkAuthorized(from, auth, workId);
        if (from != address(0)) {
            if (title.flags & _PLEDGED != 0) revert WorkIsPledged(workId, _pledges[workId].pledgee);
            _approve(address(0), workId, address(0), false);
            unchecked {
                --_accounts[from].balance;
                ++title.moves;
            }
        }
        if (to != address(0)) {
            unchecked {
                ++_accounts[to].balance;
            }
        }
        title.owner = to;
        emit Transfer(from, to, workId);
        if (from != address(0)) emit TitleTransferred(workId, from, to, uint64(block.timestamp));
    }

    /// @dev Writes a new work's whole title word at once (owner, flags, reveal days; the counters start at zero), where
    /// assigning fields would read the word back and mask each one in.
    function _storeNewTitle(TitleSlot storage title, address owner, uint8 flags, uint16 revealDays) private {
        TitleWord word = TitleWordLib.create(owner, flags, revealDays);
        assembly ("memory-safe") {
            sstore(title.slot, word)
        }
    }

    function _storeRecord(uint256 workId, Record memory record) private {
        _records[workId] =
            uint256(uint160(record.creator)) |
            (uint256(record.registeredAt) << 160) |
            (uint256(record.royaltyBps) << 200) |
            (uint256(record.metadataCodec) << 216);
    }

    function _loadRecord(uint256 workId) private view returns (Record memory) {
        uint256 packed = _records[workId];
        return
            Record({
                creator: address(uint160(packed)),
                registeredAt: uint40(packed >> 160),
                royaltyBps: uint16(packed >> 200),
                metadataCodec: uint32(packed >> 216)
            });
    }

    function _ownerOf(uint256 workId) internal view override returns (address) {
        return _titles[workId].owner;
    }

    function _useNonce(address account, uint256 nonce) private {
        Account storage acc = _accounts[account];
        uint256 expected = acc.nonce;
        if (nonce != expected) revert InvalidNonce(account, nonce, expected);
        unchecked {
            acc.nonce = uint64(expected + 1);
        }
    }

    function _registrationDigest(
        Registration calldata r,
        address creator,
        uint256 nonce,
        uint256 deadline
    ) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        REGISTER_TYPEHASH,
                        creator,
                        r.to,
                        r.contentHash,
                        keccak256(r.metadataCid),
                        r.royaltyReceiver,
                        r.royaltyBps,
                        keccak256(abi.encodePacked(r.parents)),
                        nonce,
                        deadline
                    )
                )
            );
    }

    /// @dev Checks a gasless reveal's deadline, nonce and signature (EIP-712 `Reveal`, see {REVEAL_TYPEHASH}).
    function _checkRevealSignature(
        Registration calldata r,
        bytes32 salt,
        address creator,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) private {
        if (block.timestamp > deadline) revert SignatureExpired(deadline, block.timestamp);
        _useNonce(creator, nonce);
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(
                    REVEAL_TYPEHASH,
                    creator,
                    r.to,
                    r.contentHash,
                    keccak256(r.metadataCid),
                    r.royaltyReceiver,
                    r.royaltyBps,
                    keccak256(abi.encodePacked(r.parents)),
                    salt,
                    nonce,
                    deadline
                )
            )
        );
        if (!_isValidSignature(creator, digest, signature)) revert InvalidSignature(creator);
    }

    /// @dev ECDSA first and EIP-1271 only when that fails: the usual signer, an EOA, then costs no EXTCODESIZE on a
    /// cold account (2,600 gas). A contract cannot produce an ECDSA signature for its own address.
    function _isValidSignature(address signer, bytes32 digest, bytes calldata signature) private view returns (bool) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == signer) return true;
        return SignatureChecker.isValidERC1271SignatureNowCalldata(signer, digest, signature);
    }

    function _commitmentOf(address creator, bytes32 contentHash, bytes32 salt) private pure returns (bytes32) {
        return keccak256(abi.encode(creator, contentHash, salt));
    }

    /// @dev Stores the royalty receiver when it is neither zero nor the creator (so most works write no slot for it);
    /// returns the receiver in force. The slot must be empty.
    function _storeRoyaltyReceiver(uint256 workId, address creator, address receiver) private returns (address) {
        if (receiver == address(0) || receiver == creator) return creator;
        _royaltyReceivers[workId] = receiver;
        return receiver;
    }

    /// @dev Whole days, rounded up, from `time` to now, saturating at the 179 years a uint16 holds.
    function _daysSince(uint64 time) private view returns (uint16) {
        uint256 elapsed = (block.timestamp - time + 1 days - 1) / 1 days;
        return elapsed > type(uint16).max ? type(uint16).max : uint16(elapsed);
    }

    function _recordedAt(Record memory record, TitleSlot storage title) private view returns (uint64) {
        return uint64(record.registeredAt) + uint64(title.revealDays) * 1 days;
    }

    function _wordOf(TitleSlot storage title) private view returns (TitleWord word) {
        assembly ("memory-safe") {
            word := sload(title.slot)
        }
    }

    function _royaltyReceiverOf(uint256 workId, address creator) private view returns (address) {
        address receiver = _royaltyReceivers[workId];
        return receiver == address(0) ? creator : receiver;
    }

    function _parseCid(bytes calldata cid) private pure returns (uint32 codec, bytes32 digest) {
        bool ok;
        (codec, digest, ok) = Cid.parse(cid);
        if (!ok) revert InvalidMetadataCid(cid);
    }

    function _requireWork(uint256 workId) private view returns (TitleSlot storage title) {
        title = _titles[workId];
        if (title.owner == address(0)) revert ERC721NonexistentToken(workId);
    }

    function _requireWorkOwner(uint256 workId) private view returns (TitleSlot storage title) {
        title = _requireWork(workId);
        if (title.owner != msg.sender) revert NotWorkOwner(workId, msg.sender);
    }

    function _requirePledgee(uint256 workId) private view returns (TitleSlot storage title) {
        title = _requireWork(workId);
        if (title.flags & _PLEDGED == 0) revert WorkNotPledged(workId);
        if (_pledges[workId].pledgee != msg.sender) revert NotPledgee(workId, msg.sender);
    }
}
