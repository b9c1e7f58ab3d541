// The gasless relay: queues creator-signed requests and submits them with the platform's key, each exactly once.
import { randomUUID } from "node:crypto";
import { type Address, concat, type Hex, keccak256, type LocalAccount, type PublicClient, parseGwei } from "viem";
import { batchLeafOf } from "../../core/commitment.ts";
import { buildMerkleTree, merkleProofOf } from "../../core/merkle.ts";
import { provenanceRegistryAbi } from "../../types/abi/index.js";
import type { RelayQuotas } from "../config.ts";
import type { Database } from "../db/database.ts";
import {
  type AnchorRequest,
  calldataOf,
  checkRequest,
  creatorOf,
  isRevert,
  RelayRefused,
  type RelayRequest,
  revertReason,
  simulate,
} from "./requests.ts";
import { broadcast, failRequest, follow, RELAY_FINALITY_DEPTH, recheckRecent } from "./settle.ts";

export type RelayerOptions = {
  db: Database;
  client: PublicClient;
  chain: { chainId: number; registry: Address };
  /** The relayer's key (from configuration; never logged or returned). */
  account: LocalAccount;
  /**
   * Requests per creator per day, per client IP per hour and of everyone per day, and the highest fee per gas paid:
   * together they bound what the relayer's account can be made to spend in a day.
   */
  quotas?: Partial<RelayQuotas>;
  /**
   * Batched commitments are anchored together once `maxLeaves` wait or the oldest has waited `windowMs` (defaults
   * 256 and 10 s): one transaction for many creators, each commitment's time that of its batch.
   */
  batch?: { maxLeaves: number; windowMs: number };
  /** Blocks below the head after which a mined transaction is no longer checked for reorgs (default 64). */
  finalityDepth?: number;
};

export type RelayStatus = {
  id: string;
  kind: string;
  status: "queued" | "submitted" | "mined" | "failed";
  /** Whether its block is final: until then a reorg may send a mined request back to submitted. */
  final: boolean;
  creator: string;
  contentHash: string | null;
  commitment: string | null;
  transactionHash: string | null;
  blockNumber: string | null;
  error: string | null;
  /** For a batched commitment once its batch is formed: what a reveal from the batch names, and the leaf's proof. */
  batch: { submitter: string; root: string; leaf: string; proof: string[] } | null;
  /** For a folder's root once mined: the account that anchored it, the submitter its reveals name. */
  anchoredBy: string | null;
  createdAt: string;
  updatedAt: string;
};

type Row = {
  id: string;
  kind: string;
  status: RelayStatus["status"];
  creator: string;
  content_hash: string | null;
  commitment: string | null;
  request: Record<string, unknown>;
  error: string | null;
  relayer: string;
  relayer_nonce: string | null;
  raw_tx: string | null;
  tx_hash: string | null;
  block_number: string | number | null;
  block_hash: string | null;
  final: boolean;
  batch_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
};

/** Requests with a creator's nonce (registrations and reveals) take it in order. */
const NONCED = ["register", "reveal", "revealBatch"];

/**
 * SQL ($1 chain, $2 creator, $4 NONCED): the highest nonce among the creator's pending registrations and reveals
 * (stored as "<digits>n", see toJson).
 */
const LAST_PENDING_NONCE =
  "(select max(rtrim(request -> 'message' ->> 'nonce', 'n')::numeric)::text from relay_requests where chain_id = $1 and " +
  "creator = $2 and kind = any($4::text[]) and status in ('queued', 'submitted'))";

/** The requests of everyone on chain $1 in the last day (a batch reveal once per work). */
const DAY_COUNT =
  "select coalesce(sum(coalesce(jsonb_array_length(request -> 'message' -> 'items'), 1)), 0)::int from " +
  "relay_requests where chain_id = $1 and created_at > now() - interval '1 day' and kind <> 'anchor'";

/** What a creator ($2) has used of its day's quota (a batch reveal counts once per work) and a client ($3) of its hour's. */
const QUOTA_COUNTS =
  "(select coalesce(sum(coalesce(jsonb_array_length(request -> 'message' -> 'items'), 1)), 0)::int from " +
  "relay_requests where chain_id = $1 and creator = $2 and created_at > now() - interval '1 day') as by_creator, " +
  "(select count(*)::int from relay_requests where client_ip = $3 and created_at > now() - interval '1 hour') as " +
  `by_ip, (${DAY_COUNT}) as by_all`;
type QuotaCounts = { by_creator: number; by_ip: number; by_all: number };

/** Advisory lock key (PostgreSQL) held while the quotas are counted and a request written. */
const QUOTA_LOCK = 0x7e1a40;

/** JSON with bigints as decimal strings, and back (a request's stored form). */
const toJson = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${v}n` : v));
const fromJson = (row: Record<string, unknown>) =>
  JSON.parse(JSON.stringify(row), (_k, v) => (typeof v === "string" && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v));

/**
 * The relayer. `enqueue` checks a request against the chain (nothing queued that would revert) and the quotas, and
 * writes it; `runOnce` submits what is queued and follows what is submitted. A transaction is signed with an explicit
 * nonce and stored before it is broadcast, so after a crash the same transaction is broadcast again: a nonce is never
 * used twice and an accepted request is never lost. One relayer process per key.
 */
export class Relayer {
  readonly #o: RelayerOptions;
  readonly #quotas: RelayQuotas;
  readonly #maxFeePerGas: bigint;
  readonly #batch: { maxLeaves: number; windowMs: number };
  readonly #finalityDepth: number;

  constructor(options: RelayerOptions) {
    this.#o = options;
    this.#quotas = { perCreatorPerDay: 200, perIpPerHour: 600, perDay: 50_000, maxFeeGwei: 200, ...options.quotas };
    this.#maxFeePerGas = parseGwei(String(this.#quotas.maxFeeGwei));
    this.#batch = options.batch ?? { maxLeaves: 256, windowMs: 10_000 };
    this.#finalityDepth = options.finalityDepth ?? RELAY_FINALITY_DEPTH;
  }

  get address(): Address {
    return this.#o.account.address;
  }

  /** Checks and queues a request; returns its id. Throws {@link RelayRefused} (4xx) when it must not be relayed. */
  async enqueue(request: Exclude<RelayRequest, AnchorRequest>, clientIp: string): Promise<string> {
    const { db, chain } = this.#o;
    const creator = creatorOf(request);
    // A batch reveal counts once per work it registers.
    const [counts] = await db.query<QuotaCounts & { last_pending: string | null }>(
      `select ${QUOTA_COUNTS}, ${LAST_PENDING_NONCE} as last_pending`,
      [chain.chainId, creator, clientIp, NONCED],
    );
    const works = request.kind === "revealBatch" ? request.message.items.length : 1;
    // Refused at once when over; counted again under locks below, where it decides (this one may be stale).
    this.#checkQuotas(counts, creator, works);
    const afterPending =
      NONCED.includes(request.kind) && counts?.last_pending != null ? BigInt(counts.last_pending) + 1n : null;
    const contentHash =
      request.kind === "commit" || request.kind === "revealBatch" ? null : request.message.contentHash.toLowerCase();
    // A batch reveal is known by its leaves: the same set is relayed once at a time.
    const commitment =
      request.kind === "commit"
        ? request.commitment.toLowerCase()
        : request.kind === "revealBatch"
          ? keccak256(
              concat(request.message.items.map((i) => batchLeafOf(request.message.creator, i.contentHash, i.salt))),
            )
          : null;
    // A refusal names the creator's request already made for this file or commitment, so a client that lost its
    // answer (killed after sending) picks it up instead of asking again.
    const earlier = async (refusal: RelayRefused) => {
      const [row] = await db.query<{ id: string }>(
        "select id from relay_requests where chain_id = $1 and creator = $2 and (content_hash = $3 or commitment = " +
          "$4) and status <> 'failed' order by created_at desc limit 1",
        [chain.chainId, creator, contentHash, commitment],
      );
      refusal.requestId = row?.id;
      return refusal;
    };
    try {
      await checkRequest(this.#o.client, chain, this.address, request, afterPending, Math.floor(Date.now() / 1000));
    } catch (error) {
      throw error instanceof RelayRefused ? await earlier(error) : error;
    }
    const id = randomUUID();
    try {
      // Counted and written in one transaction holding the quota lock: requests arriving at once (at any process
      // sharing the database) are counted one after the other, never all under. PGlite runs one transaction at a time.
      await db.transaction(async (tx) => {
        if (db.kind === "postgres") await tx.query("select pg_advisory_xact_lock($1)", [QUOTA_LOCK]);
        const [now] = await tx.query<QuotaCounts>(`select ${QUOTA_COUNTS}`, [chain.chainId, creator, clientIp]);
        this.#checkQuotas(now, creator, works);
        await tx.query(
          "insert into relay_requests (id, chain_id, kind, creator, content_hash, commitment, request, status, " +
            "relayer, client_ip) values ($1, $2, $3, $4, $5, $6, $7::jsonb, 'queued', $8, $9)",
          [
            id,
            chain.chainId,
            request.kind,
            creator,
            contentHash,
            commitment,
            toJson(request),
            this.address.toLowerCase(),
            clientIp,
          ],
        );
      });
    } catch (error) {
      if (/relay_requests_one_pending/.test(String((error as Error).message))) {
        throw await earlier(
          new RelayRefused("AlreadyPending", "a request for this file or commitment is already being relayed"),
        );
      }
      throw error;
    }
    return id;
  }

  /** Throws QuotaExceeded when `works` more requests would take the creator or the client over its quota. */
  #checkQuotas(counts: QuotaCounts | undefined, creator: Address, works: number): void {
    if ((counts?.by_creator ?? 0) + works > this.#quotas.perCreatorPerDay) {
      throw new RelayRefused(
        "QuotaExceeded",
        `${creator} has used its ${this.#quotas.perCreatorPerDay} relayed requests of the day`,
      );
    }
    if ((counts?.by_ip ?? 0) >= this.#quotas.perIpPerHour) {
      throw new RelayRefused(
        "QuotaExceeded",
        `this address has used its ${this.#quotas.perIpPerHour} relayed requests of the hour`,
      );
    }
    if ((counts?.by_all ?? 0) + works > this.#quotas.perDay) {
      throw new RelayRefused(
        "RelayBusy",
        `the relay has taken its ${this.#quotas.perDay} requests of the day; it takes more as the day's fall out`,
      );
    }
  }

  async status(id: string): Promise<RelayStatus | null> {
    const { db, chain } = this.#o;
    const [row] = await db.query<Row>("select * from relay_requests where id = $1 and chain_id = $2", [
      id,
      chain.chainId,
    ]);
    if (!row) return null;
    let batch: RelayStatus["batch"] = null;
    if (row.batch_id !== null && row.commitment !== null) {
      const [anchor] = await db.query<Row>("select * from relay_requests where id = $1", [row.batch_id]);
      const request = anchor && (fromJson(anchor.request) as AnchorRequest);
      if (anchor && request) {
        const leaf = keccak256(row.commitment as Hex);
        batch = {
          submitter: anchor.creator,
          root: request.root,
          leaf,
          proof: merkleProofOf(buildMerkleTree(request.leaves), leaf),
        };
      }
    }
    return { ...statusOf(row), batch };
  }

  /** What operators watch: the relayer's address, balance and queue. */
  async health(): Promise<{
    address: Address;
    balance: bigint;
    queued: number;
    submitted: number;
    today: number;
    dailyQuota: number;
    maxFeePerGas: bigint;
    feesAboveCap: boolean;
  }> {
    const [balance, fees, [day], rows] = await Promise.all([
      this.#o.client.getBalance({ address: this.address }),
      this.#o.client.estimateFeesPerGas(),
      this.#o.db.query<{ n: number }>(`${DAY_COUNT.replace("::int from", "::int as n from")}`, [this.#o.chain.chainId]),
      this.#o.db.query<{ status: string; n: number }>(
        "select status, count(*)::int as n from relay_requests where chain_id = $1 and status in ('queued', " +
          "'submitted') group by status",
        [this.#o.chain.chainId],
      ),
    ]);
    const n = (s: string) => rows.find((r) => r.status === s)?.n ?? 0;
    return {
      address: this.address,
      balance,
      queued: n("queued"),
      submitted: n("submitted"),
      today: day?.n ?? 0,
      dailyQuota: this.#quotas.perDay,
      maxFeePerGas: this.#maxFeePerGas,
      feesAboveCap: fees.maxFeePerGas > this.#maxFeePerGas,
    };
  }

  /**
   * The nonce a creator's next registration or reveal must sign: the registry's, plus this creator's registrations and
   * reveals queued or submitted here (which take the nonces before it, in order).
   */
  async nextNonce(creator: Address): Promise<{ onChain: bigint; pending: number; next: bigint }> {
    const { db, chain, client } = this.#o;
    const [onChain, [row]] = await Promise.all([
      client.readContract({
        address: chain.registry,
        abi: provenanceRegistryAbi,
        functionName: "nonces",
        args: [creator],
      }) as Promise<bigint>,
      db.query<{ last_pending: string | null }>(`select ${LAST_PENDING_NONCE.replace("$4", "$3")} as last_pending`, [
        chain.chainId,
        creator.toLowerCase(),
        NONCED,
      ]),
    ]);
    const last = row?.last_pending == null ? null : BigInt(row.last_pending);
    const next = last !== null && last + 1n > onChain ? last + 1n : onChain;
    return { onChain, pending: Number(next - onChain), next };
  }

  /** One round: follow every submitted transaction, then submit the queued requests in order. Returns how many moved. */
  async runOnce(): Promise<number> {
    let moved = 0;
    const { db, chain } = this.#o;
    const submitted = await db.query<Row>(
      "select * from relay_requests where chain_id = $1 and relayer = $2 and status = 'submitted' order by relayer_nonce",
      [chain.chainId, this.address.toLowerCase()],
    );
    for (const row of submitted) moved += (await follow(this.#settling, row)) ? 1 : 0;
    moved += await recheckRecent(this.#settling);
    moved += await this.#formBatch();
    // Batched commitments go out with their batch's anchor, not one by one.
    const queued = await db.query<Row>(
      "select * from relay_requests where chain_id = $1 and relayer = $2 and status = 'queued' and batch_id is null " +
        "and not coalesce((request ->> 'batched')::boolean, false) order by created_at, id limit 50",
      [chain.chainId, this.address.toLowerCase()],
    );
    if (queued.length === 0) return moved;
    // Above the fee cap nothing is sent: the requests wait, queued, for a later round with lower fees.
    const fees = await this.#o.client.estimateFeesPerGas();
    if (fees.maxFeePerGas > this.#maxFeePerGas) return moved;
    for (const row of queued) {
      await this.#submit(row, fees);
      moved++;
    }
    return moved;
  }

  /** Rounds until `signal` aborts. */
  async run(signal: AbortSignal, intervalMs = 500): Promise<void> {
    while (!signal.aborted) {
      try {
        if ((await this.runOnce()) > 0) continue;
      } catch {
        // A failing node or database: the next round tries again; nothing was marked done.
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /**
   * Forms a batch of the queued batched commitments, oldest first, when `maxLeaves` wait or the oldest has waited the
   * window: one anchor request (queued like any other) and each commitment naming it, in one transaction.
   */
  async #formBatch(): Promise<number> {
    const { db, chain } = this.#o;
    const waiting = await db.query<{ id: string; commitment: string; waited_ms: number }>(
      "select id, commitment, (extract(epoch from now() - created_at) * 1000)::float8 as waited_ms from " +
        "relay_requests where chain_id = $1 and relayer = $2 and status = 'queued' and batch_id is null and " +
        "(request ->> 'batched')::boolean order by created_at, id limit $3",
      [chain.chainId, this.address.toLowerCase(), this.#batch.maxLeaves],
    );
    const oldest = waiting[0];
    if (!oldest || (waiting.length < this.#batch.maxLeaves && oldest.waited_ms < this.#batch.windowMs)) return 0;
    const leaves = waiting.map((w) => keccak256(w.commitment as Hex));
    const anchor: AnchorRequest = { kind: "anchor", root: buildMerkleTree(leaves).root, leaves };
    const id = randomUUID();
    await db.transaction(async (tx) => {
      await tx.query(
        "insert into relay_requests (id, chain_id, kind, creator, request, status, relayer) values ($1, $2, " +
          "'anchor', $3, $4::jsonb, 'queued', $3)",
        [id, chain.chainId, this.address.toLowerCase(), toJson(anchor)],
      );
      await tx.query("update relay_requests set batch_id = $1, updated_at = now() where id = any($2::text[])", [
        id,
        waiting.map((w) => w.id),
      ]);
    });
    return 1;
  }

  /** Whether a registration or reveal of this creator has been sent and is not yet seen mined. */
  async #inFlight(creator: string | null): Promise<boolean> {
    const [row] = await this.#o.db.query<{ n: number }>(
      "select count(*)::int as n from relay_requests where chain_id = $1 and creator = $2 and kind = any($3::text[]) " +
        "and status = 'submitted'",
      [this.#o.chain.chainId, creator, NONCED],
    );
    return (row?.n ?? 0) > 0;
  }

  async #submit(row: Row, fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }): Promise<void> {
    const { client, db, chain, account } = this.#o;
    const request = fromJson(row.request) as RelayRequest;
    const data = calldataOf(request);
    try {
      // The chain may have moved since the request was queued (the file registered meanwhile): no gas for a revert.
      await simulate(client, chain.registry, this.address, request);
    } catch (error) {
      if (!isRevert(error)) throw error;
      const reason = revertReason(error);
      // A nonce after the creator's earlier requests still in flight: not refused, only early. It waits its turn.
      const early = /^InvalidNonce\([^,]+, (\d+), (\d+)\)$/.exec(reason);
      if (early && BigInt(early[1] as string) > BigInt(early[2] as string) && (await this.#inFlight(row.creator)))
        return;
      await failRequest(this.#o.db, row.id, `the registry would refuse it: ${reason}`);
      return;
    }
    const [{ next } = { next: null }] = await db.query<{ next: string | null }>(
      "select (max(relayer_nonce) + 1)::text as next from relay_requests where chain_id = $1 and relayer = $2",
      [chain.chainId, this.address.toLowerCase()],
    );
    const onChain = await client.getTransactionCount({ address: this.address, blockTag: "pending" });
    const nonce = Math.max(onChain, next === null ? 0 : Number(next));
    const gas = await client.estimateGas({ account: this.address, to: chain.registry, data });
    const raw = await account.signTransaction({
      chainId: chain.chainId,
      type: "eip1559",
      to: chain.registry,
      data,
      nonce,
      gas: (gas * 12n) / 10n,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    const hash = keccak256(raw);
    // Written before it is broadcast: after a crash the same signed transaction goes out again. A batch's
    // commitments carry its transaction too.
    await db.transaction(async (tx) => {
      await tx.query(
        "update relay_requests set status = 'submitted', relayer_nonce = $2, raw_tx = $3, tx_hash = $4, updated_at = " +
          "now() where id = $1 and status = 'queued'",
        [row.id, nonce, raw, hash],
      );
      await tx.query(
        "update relay_requests set status = 'submitted', tx_hash = $2, updated_at = now() where batch_id = $1 and " +
          "status = 'queued'",
        [row.id, hash],
      );
    });
    await broadcast(this.#o.client, raw);
  }

  get #settling() {
    const { db, client, chain } = this.#o;
    return { db, client, chainId: chain.chainId, relayer: this.address, finalityDepth: this.#finalityDepth };
  }
}

function statusOf(row: Row): RelayStatus {
  const iso = (t: Date | string) => new Date(t).toISOString();
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    final: row.final && row.block_number !== null,
    creator: row.creator,
    contentHash: row.content_hash,
    commitment: row.commitment,
    transactionHash: row.tx_hash,
    blockNumber: row.block_number === null ? null : String(row.block_number),
    error: row.error,
    batch: null,
    anchoredBy:
      row.kind === "commit" && row.status === "mined" && (row.request as { leaves?: number }).leaves
        ? row.relayer
        : null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export { RelayRefused };
