// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {TitleWord} from "../libraries/TitleWord.sol";

/**
 * @title IProvenanceRegistry
 * @notice The Titlechain provenance registry: one ERC-721 provenance token per registered work, whose owner is the
 * copyright holder. A work's id is its content hash read as a number: `workId = uint256(sha256(workFile))`, so the id
 * of a file can be computed offline and a second registration of the same file is impossible by construction.
 *
 * First to file, by commitment: a creator who committed to a file (by {commit}, or in a batch anchored by
 * {anchorBatch}) at least `PRIORITY_MARGIN` before someone else's registration of the same file, and reveals within
 * `PRIORITY_CLAIM_PERIOD` of the block that recorded that registration, takes the title from it ({PriorityClaimed}).
 *
 * Every state change emits an event that carries the block timestamp and everything an indexer needs, so the chain of
 * title is reconstructible from logs alone. An unknown work id is ERC-721's `ERC721NonexistentToken(workId)`
 * everywhere.
 */
interface IProvenanceRegistry {
    /// @notice What a registrant asks the registry to record.
    struct Registration {
        /// First holder of the provenance token (the creator, or whoever the creator registers the work to).
        address to;
        /// sha256 of the work file. Never zero; unique across the registry.
        bytes32 contentHash;
        /// Binary CIDv1 (sha2-256 multihash, any codec) of the work's metadata JSON.
        bytes metadataCid;
        /// ERC-2981 royalty receiver; the zero address means the creator.
        address royaltyReceiver;
        /// ERC-2981 royalty rate in basis points, at most `MAX_ROYALTY_BPS`.
        uint16 royaltyBps;
        /// Works this one derives from (at most `MAX_PARENTS`, no repeats).
        uint256[] parents;
    }

    /// @notice Everything the registry knows about a work.
    struct Work {
        address owner;
        address creator;
        /// The registration's priority time: the block time of a direct registration, the commitment's time for a
        /// reveal or a priority claim.
        uint64 registeredAt;
        /// When the registration was recorded on chain, to the day after a reveal (see {Title}); priority claims
        /// against it close `PRIORITY_CLAIM_PERIOD` later.
        uint64 recordedAt;
        uint16 royaltyBps;
        address royaltyReceiver;
        bool pledged;
        bool disputed;
        bytes metadataCid;
        uint256[] parents;
    }

    /// @notice The cheap status read other contracts use (one storage word).
    struct Title {
        /// The holder; zero when the work is not registered.
        address owner;
        bool pledged;
        bool disputed;
        /// Whether the work owes derivative royalties to parents whose licences authorised it (the licence ledger
        /// keeps the rates).
        bool owesRoyalties;
        /// Changes of holder since registration: a licence offer, split or sale listing made by one holder goes
        /// stale the moment the work moves.
        uint24 moves;
        /// Pledges so far: a sale listing goes stale the moment the work is pledged, and a pledgee's consent belongs
        /// to one pledge.
        uint24 pledges;
        /// Encumbrances recorded so far: licences and sublicences granted (counted by the licence ledger), metadata
        /// changes and priority claims. A bid binds the count it saw; a buyer passes the count it expects.
        uint24 encumbrances;
        /// Days, rounded up, from the registration's priority time to the block that recorded it (zero for a direct
        /// registration): `recordedAt = registeredAt + revealDays * 1 days`.
        uint16 revealDays;
    }

    /// @notice An IP pledge: the work cannot move until the pledgee releases it or forecloses after `maturity`.
    struct Pledge {
        address pledgee;
        uint64 maturity;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Emitted when a work is registered and its provenance token minted (the first holder is in the ERC-721
    /// `Transfer` event of the same transaction).
    /// @dev `registeredAt` is the block time of a direct registration and the commitment's time for a reveal, whose
    /// {CommitmentRevealed} event carries the block time. Kept lean: it is paid on every registration, so the metadata
    /// CID comes as the pair the registry stores (multicodec code and sha2-256 digest; CIDv1 = 0x01, varint(codec),
    /// 0x12, 0x20, digest).
    event WorkRegistered(
        uint256 indexed workId,
        address indexed creator,
        uint32 metadataCodec,
        bytes32 metadataDigest,
        address royaltyReceiver,
        uint16 royaltyBps,
        uint64 registeredAt
    );

    /// @notice Emitted, before {WorkRegistered}, when a registered work derives from parent works.
    event WorkDerived(uint256 indexed workId, uint256[] parents, uint64 timestamp);

    /// @notice Emitted on every change of holder after registration (an assignment of the copyright).
    event TitleTransferred(uint256 indexed workId, address indexed from, address indexed to, uint64 timestamp);

    /// @notice Emitted beside {TitleTransferred} when an assignment carries a deed.
    event AssignmentRecorded(
        uint256 indexed workId,
        address indexed from,
        address indexed to,
        bytes32 deedHash,
        bytes deedCid,
        uint64 timestamp
    );

    /// @notice Emitted when a private commitment is anchored.
    event Committed(bytes32 indexed commitment, address indexed submitter, uint64 timestamp);

    /// @notice Emitted when the Merkle root of a batch of commitments is anchored.
    event BatchAnchored(
        bytes32 indexed root,
        address indexed submitter,
        uint32 leafCount,
        bytes leavesCid,
        uint64 timestamp
    );

    /// @notice Emitted when a commitment is revealed; `root` and `batchSubmitter` are zero for a single commitment.
    event CommitmentRevealed(
        bytes32 indexed commitment,
        uint256 indexed workId,
        bytes32 indexed root,
        address batchSubmitter,
        uint64 committedAt,
        uint64 timestamp
    );

    /// @notice Emitted when a reveal takes the title from a later registration of the same file: the work's record
    /// becomes the claimant's (the displaced one stays in the events), the token moves to `to` (ERC-721 `Transfer`
    /// and {TitleTransferred} follow), any pledge is cleared and the work's parents are dropped. Emitted before
    /// {CommitmentRevealed}.
    /// @param displacedCreator The creator of the displaced registration.
    /// @param displacedRegisteredAt Its priority time.
    /// @param displacedRecordedAt When it was recorded (to the day after a reveal).
    /// @param clearedPledgee The pledgee whose pledge the claim cleared (zero when none).
    event PriorityClaimed(
        uint256 indexed workId,
        address indexed creator,
        address indexed to,
        uint32 metadataCodec,
        bytes32 metadataDigest,
        address royaltyReceiver,
        uint16 royaltyBps,
        uint64 registeredAt,
        address displacedCreator,
        uint64 displacedRegisteredAt,
        uint64 displacedRecordedAt,
        address clearedPledgee,
        uint64 timestamp
    );

    /// @notice Emitted when a parent is authorised by the derivative authority rather than by ownership.
    event DerivativeAuthorised(
        uint256 indexed workId,
        uint256 indexed parentId,
        address indexed authority,
        uint256 grantId,
        uint64 timestamp
    );

    /// @notice Emitted when the owner points a work to new metadata (the content hash never changes).
    event MetadataChanged(
        uint256 indexed workId,
        address indexed by,
        uint32 metadataCodec,
        bytes32 metadataDigest,
        uint64 timestamp
    );

    /// @notice Emitted when the owner pledges a work to a lender.
    event WorkPledged(
        uint256 indexed workId,
        address indexed owner,
        address indexed pledgee,
        uint64 maturity,
        bytes agreementCid,
        uint64 timestamp
    );

    /// @notice Emitted when the pledgee releases a pledge.
    event PledgeReleased(uint256 indexed workId, address indexed owner, address indexed pledgee, uint64 timestamp);

    /// @notice Emitted when the pledgee forecloses after maturity and takes ownership.
    event PledgeForeclosed(
        uint256 indexed workId,
        address indexed previousOwner,
        address indexed pledgee,
        uint64 timestamp
    );

    /// @notice Emitted when an arbiter flags a work as disputed.
    event DisputeFlagged(uint256 indexed workId, address indexed arbiter, bytes evidenceCid, uint64 timestamp);

    /// @notice Emitted when an arbiter clears a dispute.
    event DisputeCleared(uint256 indexed workId, address indexed arbiter, bytes resolutionCid, uint64 timestamp);

    /// @notice Emitted when a signer burns a nonce to cancel a signature that was not submitted.
    event NonceInvalidated(address indexed account, uint256 nonce, uint64 timestamp);

    /// @notice Emitted when the admin changes the contract that may authorise derivatives by licence.
    event DerivativeAuthorityChanged(address indexed previous, address indexed current, uint64 timestamp);

    // ------------------------------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Thrown when a content hash is zero.
    error InvalidContentHash(bytes32 contentHash);
    /// @notice Thrown when a CID is empty or not a binary CIDv1 with a sha2-256 multihash.
    error InvalidMetadataCid(bytes cid);
    /// @notice Thrown when the content hash is already registered; names the existing work.
    error WorkAlreadyRegistered(uint256 workId, address owner);
    /// @notice Thrown when a parent work is not registered.
    error UnknownParent(uint256 parentId);
    /// @notice Thrown when a work names itself as its parent.
    error SelfParent(uint256 workId);
    /// @notice Thrown when a registration names a parent twice.
    error DuplicateParent(uint256 parentId);
    /// @notice Thrown when a registration names more than `max` parents.
    error TooManyParents(uint256 count, uint256 max);
    /// @notice Thrown when the registrant neither owns a parent nor holds a licence allowing derivatives of it.
    error ParentNotAuthorised(uint256 parentId, address registrant);
    /// @notice Thrown when a royalty rate exceeds the cap.
    error RoyaltyTooHigh(uint16 royaltyBps, uint16 max);
    /// @notice Thrown when a signature does not come from `signer` for this chain and this registry.
    error InvalidSignature(address signer);
    /// @notice Thrown when a signature's deadline has passed.
    error SignatureExpired(uint256 deadline, uint256 timestamp);
    /// @notice Thrown when a nonce is not the signer's next unused nonce (a replay or a skipped nonce).
    error InvalidNonce(address account, uint256 nonce, uint256 expected);
    /// @notice Thrown when a commitment or a batch root is zero.
    error InvalidCommitment(bytes32 commitment);
    /// @notice Thrown when a commitment was already anchored.
    error CommitmentExists(bytes32 commitment, uint64 committedAt);
    /// @notice Thrown when revealing a commitment that was never anchored.
    error UnknownCommitment(bytes32 commitment);
    /// @notice Thrown when revealing a commitment whose work is already registered from it. The registry keeps no
    /// per-commitment flag (it would cost a slot per reveal): a work of the same file registered by the same creator at
    /// the commitment's time counts as revealed from it.
    error CommitmentAlreadyRevealed(bytes32 commitment, uint256 workId);
    /// @notice Thrown when `submitter` already anchored this batch root.
    error BatchExists(address submitter, bytes32 root, uint64 anchoredAt);
    /// @notice Thrown when revealing against a batch root that `submitter` never anchored.
    error UnknownBatch(address submitter, bytes32 root);
    /// @notice Thrown when a Merkle proof does not lead from `leaf` to `root`.
    error InvalidMerkleProof(bytes32 root, bytes32 leaf);
    /// @notice A batch reveal's lists of registrations, salts and proofs differ in length (or are empty).
    error BatchLengthMismatch(uint256 registrations, uint256 salts, uint256 proofs);
    /// @notice Thrown when an assignment deed hash is zero.
    error InvalidDeed(bytes32 deedHash);
    /// @notice Thrown when `account` must own `workId` and does not.
    error NotWorkOwner(uint256 workId, address account);
    /// @notice Thrown when a pledged work would move, or be pledged again.
    error WorkIsPledged(uint256 workId, address pledgee);
    /// @notice Thrown when a pledge operation targets a work that is not pledged.
    error WorkNotPledged(uint256 workId);
    /// @notice Thrown when `account` is not the pledgee of `workId`.
    error NotPledgee(uint256 workId, address account);
    /// @notice Thrown when the pledgee is the zero address or the owner.
    error InvalidPledgee(address pledgee);
    /// @notice Thrown when a pledge's maturity is not in the future.
    error InvalidMaturity(uint64 maturity, uint64 timestamp);
    /// @notice Thrown when foreclosing before maturity.
    error PledgeNotMatured(uint256 workId, uint64 maturity);
    /// @notice Thrown when flagging a work that is already disputed.
    error WorkAlreadyDisputed(uint256 workId);
    /// @notice Thrown when clearing a dispute on a work that is not disputed.
    error WorkNotDisputed(uint256 workId);
    /// @notice Thrown when a reveal meets a registration of the same file that it cannot displace: the commitment is
    /// not at least `PRIORITY_MARGIN` older than that registration's priority time `registeredAt`.
    error NoPriority(uint256 workId, uint64 committedAt, uint64 registeredAt);
    /// @notice Thrown when a reveal with priority comes after the claim period of the registration it would displace,
    /// which closed at `closedAt`.
    error PriorityClaimClosed(uint256 workId, uint64 closedAt);
    /// @notice Thrown when a priority claim names parents: a claim records an original work (see {reveal}).
    error PriorityClaimWithParents(uint256 workId);
    /// @notice Thrown when an account other than the licence ledger (the derivative authority) records an
    /// encumbrance.
    error NotDerivativeAuthority(address account);

    // ------------------------------------------------------------------------------------------------------------
    // Registration
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Registers a work created by the caller, paying one's own gas.
    /// @return workId `uint256(r.contentHash)`.
    function register(Registration calldata r) external returns (uint256 workId);

    /// @notice Registers a work on behalf of `creator`, who signed the EIP-712 `Register` typed data; anyone may
    /// submit it (the platform's relayer pays the gas). EIP-1271 signatures from contract wallets are accepted.
    function registerWithSig(
        Registration calldata r,
        address creator,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 workId);

    /// @notice Burns the caller's next nonce, cancelling any signature made with it.
    function invalidateNonce() external;

    /// @notice Anchors a private commitment `keccak256(abi.encode(creator, contentHash, salt))`. Anyone may submit it;
    /// only the creator bound inside it can reveal it.
    function commit(bytes32 commitment) external;

    /// @notice Reveals the caller's commitment and registers the work with the commitment's time. When the file is
    /// already registered by another creator, the reveal is a priority claim: it takes the title if the commitment
    /// is at least `PRIORITY_MARGIN` older than that registration's time ({NoPriority} otherwise) and comes within
    /// `PRIORITY_CLAIM_PERIOD` of the block that recorded it ({PriorityClaimClosed} otherwise); a claim names no
    /// parents. A registration by the same creator is never displaced ({WorkAlreadyRegistered}).
    function reveal(Registration calldata r, bytes32 salt) external returns (uint256 workId);

    /// @notice {reveal} on behalf of `creator`, who signed the EIP-712 `Reveal` typed data (the registration and the
    /// commitment's salt); anyone may submit it, so an artisan commits and reveals without gas. Uses `creator`'s next
    /// nonce, shared with {registerWithSig}; EIP-1271 signatures are accepted.
    function revealWithSig(
        Registration calldata r,
        bytes32 salt,
        address creator,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 workId);

    /// @notice Anchors the Merkle root of a batch of commitments in one transaction. Batches are keyed by submitter
    /// and root: anchoring another's root anchors one's own copy, and never stops the other's.
    /// @param leafCount Number of leaves, for auditors; not checked.
    /// @param leavesCid Optional CID of the published leaf list.
    function anchorBatch(bytes32 root, uint32 leafCount, bytes calldata leavesCid) external;

    /// @notice Reveals one leaf of the batch `root` anchored by `submitter`, with the batch's time; a priority claim
    /// as in {reveal} when the file is already registered.
    function revealFromBatch(
        Registration calldata r,
        bytes32 salt,
        address submitter,
        bytes32 root,
        bytes32[] calldata proof
    ) external returns (uint256 workId);

    /// @notice {revealFromBatch} on behalf of `creator`, who signed the EIP-712 `Reveal` typed data; see
    /// {revealWithSig}.
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
    ) external returns (uint256 workId);

    /// @notice Reveals many leaves of the batch `root` anchored by `submitter` for `creator`, who signed one EIP-712
    /// `RevealBatch` over all of them (their registrations and salts, in order) with one nonce: a folder of designs
    /// registered in a few transactions. All or nothing: one leaf that cannot be revealed reverts the call. Each leaf
    /// is registered as by {revealFromBatchWithSig}, priority claims included.
    /// @dev The loop runs once per leaf the caller passes and pays for; no one else can lengthen it.
    /// @return count The number of works registered (`rs.length`).
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
    ) external returns (uint256 count);

    // ------------------------------------------------------------------------------------------------------------
    // Holder actions
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Assigns the copyright to `to`, recording the deed's hash and CID. The caller must own the work or be
    /// approved for it.
    function assign(address to, uint256 workId, bytes32 deedHash, bytes calldata deedCid) external;

    /// @notice Points a work to new metadata. Only the owner may; the content hash never changes.
    function updateMetadata(uint256 workId, bytes calldata metadataCid) external;

    /// @notice Pledges the caller's work to `pledgee` until `maturity`; the token cannot move meanwhile.
    function pledge(uint256 workId, address pledgee, uint64 maturity, bytes calldata agreementCid) external;

    /// @notice Releases a pledge. Only the pledgee may, at any time.
    function releasePledge(uint256 workId) external;

    /// @notice Takes ownership of a pledged work after maturity. Only the pledgee may.
    function foreclose(uint256 workId) external;

    // ------------------------------------------------------------------------------------------------------------
    // Arbitration and administration
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Flags a work as disputed. Only an arbiter may.
    function flagDispute(uint256 workId, bytes calldata evidenceCid) external;

    /// @notice Clears a work's dispute flag. Only an arbiter may.
    function clearDispute(uint256 workId, bytes calldata resolutionCid) external;

    /// @notice Sets the contract consulted when a registrant does not own a parent work (the licence ledger), which
    /// also records encumbrances. Only the admin may.
    function setDerivativeAuthority(address authority) external;

    /// @notice Counts one encumbrance of a work (a licence or sublicence granted) and returns its title word after
    /// the count. Only the derivative authority may.
    function encumber(uint256 workId) external returns (TitleWord);

    // ------------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Everything the registry knows about a work; reverts with `ERC721NonexistentToken` if it is not
    /// registered.
    function workOf(uint256 workId) external view returns (Work memory);

    /// @notice A work's status (see {Title}); the owner is zero when unregistered.
    function titleOf(uint256 workId) external view returns (Title memory);

    /// @notice The same status as one word, the cheap read other contracts use (layout in {TitleWordLib}).
    function titleWordOf(uint256 workId) external view returns (TitleWord);

    /// @notice The pledge on a work (zero pledgee when none).
    function pledgeOf(uint256 workId) external view returns (Pledge memory);

    /// @notice Time at which a single commitment was anchored, zero if never.
    function commitmentTime(bytes32 commitment) external view returns (uint64);

    /// @notice Time at which `submitter` anchored a batch root, zero if never.
    function batchTime(address submitter, bytes32 root) external view returns (uint64);

    /// @notice The next unused nonce of `account` for gasless registration.
    function nonces(address account) external view returns (uint256);

    /// @notice The EIP-712 digest a creator signs for {registerWithSig}.
    function registrationDigest(
        Registration calldata r,
        address creator,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32);

    /// @notice The contract consulted for licence-based derivative rights (zero when none).
    function derivativeAuthority() external view returns (address);
}
