/**
 * The check that the indexer's market mirror equals what the contracts themselves read (and, for the facts, what their
 * events say), after a workload of market-workload.ts or market-scenario.ts. A helper module: it registers no tests.
 */
import { expect } from "chai";
import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  type Hex,
  hexToBytes,
  http,
  type Log,
  padHex,
  parseEventLogs,
  toHex,
} from "viem";
import { foundry } from "viem/chains";
import { cidFromHex } from "../../core/cid.ts";
import type { Deployment } from "../../scripts/deploy/viem.ts";
import type { Database } from "../../server/db/database.ts";
import { exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi } from "../../types/abi/index.js";
import { rpcCall } from "./chain.ts";
import { GRANT_SURRENDERED, GRANT_TERMINATED, workloadAccounts, ZERO } from "./workload-context.ts";

/** Runs `fn` over `items`, `width` at a time (viem batches the concurrent calls into JSON-RPC batches). */
async function mapLimit<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}

const lower = (value: string) => value.toLowerCase();
const word = (value: bigint) => padHex(toHex(value), { size: 32 });

/**
 * The work each log concerns, as the indexer's event log records it: its workId, the registry token's id, or the
 * work of the licence grant it names (from the purchases and sublicences among `logs`); null for none.
 */
export function logWorks(logs: Log[], deployment: Pick<Deployment, "registry" | "ledger">): (l: Log) => string | null {
  const grantWorks = new Map<bigint, bigint>();
  for (const l of parseEventLogs({ abi: licenceLedgerAbi, logs, strict: false })) {
    if (l.eventName === "LicencePurchased" || l.eventName === "SublicenceIssued") {
      const { grantId, workId } = l.args as { grantId?: bigint; workId?: bigint };
      if (grantId !== undefined && workId !== undefined) grantWorks.set(grantId, workId);
    }
  }
  return (l: Log): string | null => {
    const address = lower(l.address);
    const abi =
      address === lower(deployment.registry)
        ? provenanceRegistryAbi
        : address === lower(deployment.ledger)
          ? licenceLedgerAbi
          : exchangeAbi;
    const [decoded] = parseEventLogs({ abi, logs: [l], strict: false });
    const args = (decoded?.args ?? {}) as Record<string, unknown>;
    if (typeof args["workId"] === "bigint") return args["workId"].toString();
    if (abi === provenanceRegistryAbi) return typeof args["tokenId"] === "bigint" ? args["tokenId"].toString() : null;
    const grant = args["grantId"] ?? (abi === licenceLedgerAbi ? args["id"] : undefined);
    return typeof grant === "bigint" ? (grantWorks.get(grant)?.toString() ?? null) : null;
  };
}

/**
 * Compares every row of the market mirror with the contracts' own reads at the head block, and the event log with the
 * contracts' logs. The database must be synced to the head.
 *
 * - works: registry workOf, titleOf, pledgeOf and ownerOf, and the ledger's pledgeConsentOf; as many rows
 *   as WorkRegistered logs;
 * - royalty_edges: ledger royaltyParentsOf (the edges with a royalty, in order), and one edge per DerivativeLicensed
 *   of works no priority claim displaced since;
 * - priority_claims: the PriorityClaimed logs, the holder each displaced, and workOf for each work's last claim;
 * - licence_offers: ledger offerOf (termsHash is the first 20 bytes of the stored hash), offerCount rows per work;
 * - licence_grants: ledger grantOf and grantIdOf, `sold` grants per offer with serials 1..sold;
 * - revenue_splits and revenue_pots: ledger splitOf, currentSplit (every version present) and revenueOf, in every
 *   currency the ledger ever allowed;
 * - listings and bids: exchange listingOf and bidOf, every work (and bidder) without a row reads as zeros, and a bid the
 *   mirror calls void is one acceptBid refuses as void;
 * - balances: owed() of the ledger and exchange, and every (account, currency) owed something has its row;
 * - payment_settings and currencies: platformFee(), isCurrencyAllowed() and currencyOf() of each contract;
 * - licence_payments, work_sales and the withdrawals and derivative royalties of balance_movements: the events they
 *   carry (the event log keeps no arguments of most of them);
 * - chain_event_log: (block, log index, block hash) exactly the contracts' logs, none twice, each with the work it
 *   concerns (its workId, the registry token's id, or the work of the licence grant it names).
 */
export async function expectMirrorEqualsContracts(db: Database, url: string, deployment: Deployment): Promise<void> {
  const pub = createPublicClient({ chain: foundry, transport: http(url, { batch: { batchSize: 100 } }) });
  const blockNumber = await pub.getBlockNumber();
  const at = { blockNumber } as const;
  const registry = { address: deployment.registry, abi: provenanceRegistryAbi, ...at } as const;
  const ledger = { address: deployment.ledger, abi: licenceLedgerAbi, ...at } as const;
  const exchange = { address: deployment.exchange, abi: exchangeAbi, ...at } as const;
  const accounts = await workloadAccounts(url);

  // The event log ---------------------------------------------------------------------------------------------
  const logs = await rpcCall<Log[]>(url, "eth_getLogs", [
    {
      address: [deployment.registry, deployment.ledger, deployment.exchange],
      fromBlock: `0x${deployment.startBlock.toString(16)}`,
      toBlock: `0x${blockNumber.toString(16)}`,
    },
  ]);
  const events = await db.query<{ k: string }>(
    "select block_number::text || ':' || log_index::text || ':' || block_hash || ':' || contract as k " +
      "from chain_event_log order by block_number, log_index",
  );
  expect(
    events.map((e) => e.k),
    "chain_event_log = the contracts' logs",
  ).to.deep.equal(
    logs.map((l) => `${BigInt(l.blockNumber ?? 0)}:${BigInt(l.logIndex ?? 0)}:${l.blockHash}:${lower(l.address)}`),
  );
  const workOfLog = logWorks(logs, deployment);
  const eventWorks = await db.query<{ k: string }>(
    "select block_number::text || ':' || log_index::text || ':' || coalesce(work_id::text, '-') as k " +
      "from chain_events order by block_number, log_index",
  );
  expect(
    eventWorks.map((e) => e.k),
    "chain_events.work_id = the work each log names",
  ).to.deep.equal(logs.map((l) => `${BigInt(l.blockNumber ?? 0)}:${BigInt(l.logIndex ?? 0)}:${workOfLog(l) ?? "-"}`));
  const [counted] = await db.query<{ n: string }>("select count(*)::text as n from chain_events");
  expect(Number(counted?.n), "chain_events rows").to.equal(logs.length);
  const registered = parseEventLogs({ abi: provenanceRegistryAbi, logs, eventName: "WorkRegistered" });
  const ledgerLogs = logs.filter((l) => lower(l.address) === lower(deployment.ledger));
  const exchangeLogs = logs.filter((l) => lower(l.address) === lower(deployment.exchange));
  const position = (l: Log) => `${BigInt(l.blockNumber ?? 0)}:${BigInt(l.logIndex ?? 0)}`;

  // Works -----------------------------------------------------------------------------------------------------
  const works = await db.query<WorkRow>(
    "select work_id::text as work_id, content_hash, creator, owner, " +
      "extract(epoch from registered_at)::bigint::text as registered_at, royalty_receiver, royalty_bps, parents, " +
      "metadata_cid, pledged, pledgee, extract(epoch from pledge_maturity)::bigint::text as pledge_maturity, " +
      "licence_consent_pledge, disputed, owes_royalties, moves, pledges, encumbrances, " +
      "extract(epoch from recorded_at)::bigint::text as recorded_at from works w order by w.work_id",
  );
  expect(works.length, "works rows = WorkRegistered logs").to.equal(registered.length);
  const workIds = works.map((w) => BigInt(w.work_id));
  expect(workIds, "works = the registered works").to.deep.equal(
    registered.map((l) => l.args.workId).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  await mapLimit(works, 32, async (row) => {
    const workId = BigInt(row.work_id);
    const [work, title, pledge, ownerOf, consent] = await Promise.all([
      pub.readContract({ ...registry, functionName: "workOf", args: [workId] }),
      pub.readContract({ ...registry, functionName: "titleOf", args: [workId] }),
      pub.readContract({ ...registry, functionName: "pledgeOf", args: [workId] }),
      pub.readContract({ ...registry, functionName: "ownerOf", args: [workId] }),
      pub.readContract({ ...ledger, functionName: "pledgeConsentOf", args: [workId] }),
    ]);
    expect(lower(ownerOf)).to.equal(lower(work.owner));
    expect(row, `work ${workId}`).to.deep.equal({
      work_id: workId.toString(),
      content_hash: word(workId),
      creator: lower(work.creator),
      owner: lower(work.owner),
      registered_at: work.registeredAt.toString(),
      royalty_receiver: lower(work.royaltyReceiver),
      royalty_bps: work.royaltyBps,
      parents: work.parents.map(String),
      metadata_cid: cidFromHex(work.metadataCid),
      pledged: work.pledged,
      pledgee: pledge.pledgee === ZERO ? null : lower(pledge.pledgee),
      pledge_maturity: pledge.maturity === 0n ? null : pledge.maturity.toString(),
      licence_consent_pledge: consent,
      disputed: work.disputed,
      owes_royalties: title.owesRoyalties,
      moves: title.moves,
      pledges: title.pledges,
      encumbrances: title.encumbrances,
      recorded_at: work.recordedAt.toString(),
    });
    expect(title.owner, `title of ${workId}`).to.equal(work.owner);
    expect(Number(work.recordedAt - work.registeredAt), `reveal days of ${workId}`).to.equal(title.revealDays * 86_400);
  });

  // Licence offers ----------------------------------------------------------------------------------------------
  const offers = await db.query<OfferRow>(
    "select work_id::text as work_id, offer_index, kind, status, uses, fields, transferable, territory, supply, sold, " +
      "start_at::text as start_at, end_at::text as end_at, duration::text as duration, currency, price::text as price, " +
      "moves, terms_hash, derivative_royalty_bps from licence_offers o order by o.work_id, o.offer_index",
  );
  const offerCounts = await mapLimit(workIds, 32, (w) =>
    pub.readContract({ ...ledger, functionName: "offerCount", args: [w] }),
  );
  for (const [i, workId] of workIds.entries()) {
    const rows = offers.filter((o) => o.work_id === workId.toString()).map((o) => o.offer_index);
    expect(rows, `offers of work ${workId}`).to.deep.equal(Array.from({ length: offerCounts[i] ?? 0 }, (_, j) => j));
  }
  const solds = new Map<string, number>();
  await mapLimit(offers, 32, async (row) => {
    const workId = BigInt(row.work_id);
    const index = row.offer_index;
    const offer = await pub.readContract({ ...ledger, functionName: "offerOf", args: [workId, index] });
    const currency =
      offer.currencyId === 0
        ? ZERO
        : lower(await pub.readContract({ ...ledger, functionName: "currencyOf", args: [offer.currencyId] }));
    solds.set(`${workId}:${index}`, offer.sold);
    expect(row.terms_hash, `offer ${workId}/${index} terms hash (full)`).to.match(/^0x[0-9a-f]{64}$/);
    expect({ ...row, terms_hash: row.terms_hash.slice(0, 42) }, `offer ${workId}/${index}`).to.deep.equal({
      work_id: workId.toString(),
      offer_index: index,
      kind: offer.kind,
      status: offer.status,
      uses: offer.uses,
      fields: offer.fields,
      transferable: offer.transferable,
      territory: offer.territory.map(String),
      supply: offer.supply,
      sold: offer.sold,
      start_at: String(offer.start),
      end_at: String(offer.end),
      duration: String(offer.duration),
      currency,
      price: offer.price.toString(),
      moves: offer.moves,
      terms_hash: lower(offer.termsHash),
      derivative_royalty_bps: offer.derivativeRoyaltyBps,
    });
  });

  // Licence grants ----------------------------------------------------------------------------------------------
  const grants = await db.query<GrantRow>(
    "select grant_id::text as grant_id, work_id::text as work_id, offer_index, serial, holder, " +
      "start_at::text as start_at, end_at::text as end_at, state, transferable, parent_grant_id::text as parent " +
      "from licence_grants g order by g.work_id, g.offer_index, g.serial",
  );
  for (const [key, sold] of solds) {
    const serials = grants.filter((g) => `${g.work_id}:${g.offer_index}` === key).map((g) => g.serial);
    expect(serials, `grants of offer ${key}`).to.deep.equal(Array.from({ length: sold }, (_, j) => j + 1));
  }
  expect(grants.length, "every grant belongs to an offer").to.equal([...solds.values()].reduce((a, b) => a + b, 0));
  await mapLimit(grants, 32, async (row) => {
    const grantId = BigInt(row.grant_id);
    const ref = { workId: BigInt(row.work_id), offerIndex: row.offer_index, serial: row.serial };
    const [id, grant] = await Promise.all([
      pub.readContract({ ...ledger, functionName: "grantIdOf", args: [ref] }),
      pub.readContract({ ...ledger, functionName: "grantOf", args: [grantId] }),
    ]);
    expect(grantId, `grant id of ${ref.workId}/${ref.offerIndex}/${ref.serial}`).to.equal(id);
    const state = grant.status === GRANT_TERMINATED ? 2 : grant.status === GRANT_SURRENDERED ? 3 : 1;
    expect(row, `grant ${grantId} (status ${grant.status})`).to.deep.equal({
      grant_id: grantId.toString(),
      work_id: ref.workId.toString(),
      offer_index: ref.offerIndex,
      serial: ref.serial,
      holder: lower(grant.holder),
      start_at: String(grant.start),
      end_at: String(grant.end),
      state,
      transferable: grant.transferable,
      parent: grant.parentGrantId.toString(),
    });
  });

  // Royalty edges -----------------------------------------------------------------------------------------------
  const edges = await db.query<{ work_id: string; edge_index: number; parent: string; grant: string; bps: number }>(
    "select work_id::text as work_id, edge_index, parent_id::text as parent, grant_id::text as grant, " +
      "royalty_bps as bps from royalty_edges order by work_id, edge_index",
  );
  const claimed = new Set(
    parseEventLogs({ abi: provenanceRegistryAbi, logs, eventName: "PriorityClaimed" }).map((l) =>
      String(l.args.workId),
    ),
  );
  const licensed = parseEventLogs({ abi: licenceLedgerAbi, logs: ledgerLogs, eventName: "DerivativeLicensed" });
  for (const w of works) {
    const mine = edges.filter((e) => e.work_id === w.work_id);
    // Every parent the derivative was licensed from, in order, unless a priority claim displaced its registration.
    const expected = claimed.has(w.work_id)
      ? []
      : licensed
          .filter((l) => String(l.args.workId) === w.work_id)
          .map((l, i) => ({
            edge_index: i,
            parent: String(l.args.parentId),
            grant: String(l.args.grantId),
            bps: l.args.royaltyBps,
          }));
    expect(
      mine.map(({ work_id: _, ...rest }) => rest),
      `royalty edges of ${w.work_id}`,
    ).to.deep.equal(expected);
  }
  await mapLimit(workIds, 32, async (workId) => {
    const parents = await pub.readContract({ ...ledger, functionName: "royaltyParentsOf", args: [workId] });
    const rows = edges.filter((e) => e.work_id === workId.toString() && e.bps > 0);
    expect(
      rows.map((e) => ({ parentId: BigInt(e.parent), royaltyBps: e.bps })),
      `royaltyParentsOf(${workId})`,
    ).to.deep.equal(parents.map((p) => ({ parentId: p.parentId, royaltyBps: p.royaltyBps })));
  });
  for (const e of edges) expect(workIds.map(String), "edges are of registered works").to.include(e.work_id);

  // Priority claims -----------------------------------------------------------------------------------------------
  const claims = await db.query<Record<string, unknown>>(
    "select block_number::text || ':' || log_index::text as position, tx_hash, work_id::text as work_id, creator, " +
      "holder, extract(epoch from registered_at)::bigint::text as registered_at, " +
      "extract(epoch from recorded_at)::bigint::text as recorded_at, metadata_cid, royalty_receiver, royalty_bps, " +
      "displaced_creator, displaced_holder, extract(epoch from displaced_registered_at)::bigint::text as " +
      "displaced_registered_at, extract(epoch from displaced_recorded_at)::bigint::text as displaced_recorded_at, " +
      "cleared_pledgee, extract(epoch from timestamp)::bigint::text as timestamp from priority_claims " +
      "order by block_number, log_index",
  );
  const transfers = parseEventLogs({ abi: provenanceRegistryAbi, logs, eventName: "TitleTransferred" });
  const claimLogs = parseEventLogs({ abi: provenanceRegistryAbi, logs, eventName: "PriorityClaimed" });
  expect(claims, "priority_claims = the PriorityClaimed logs").to.deep.equal(
    claimLogs.map((l) => {
      const a = l.args;
      // The claim's own transfer of the token follows it in the transaction.
      const moved = transfers.find((t) => t.transactionHash === l.transactionHash && t.args.workId === a.workId);
      return {
        position: position(l),
        tx_hash: l.transactionHash,
        work_id: String(a.workId),
        creator: lower(a.creator),
        holder: lower(a.to),
        registered_at: String(a.registeredAt),
        recorded_at: claims.find((c) => c["position"] === position(l))?.["recorded_at"],
        metadata_cid: CID.create(1, a.metadataCodec, createDigest(0x12, hexToBytes(a.metadataDigest))).toString(),
        royalty_receiver: lower(a.royaltyReceiver),
        royalty_bps: a.royaltyBps,
        displaced_creator: lower(a.displacedCreator),
        displaced_holder: moved ? lower(moved.args.from) : "no transfer",
        displaced_registered_at: String(a.displacedRegisteredAt),
        displaced_recorded_at: String(a.displacedRecordedAt),
        cleared_pledgee: a.clearedPledgee === ZERO ? null : lower(a.clearedPledgee),
        timestamp: String(a.timestamp),
      };
    }),
  );
  // The last claim of each work is its registration now.
  await mapLimit([...claimed], 8, async (id) => {
    const last = claims.filter((c) => c["work_id"] === id).at(-1) as Record<string, unknown>;
    const work = await pub.readContract({ ...registry, functionName: "workOf", args: [BigInt(id)] });
    expect(
      { creator: last["creator"], registered_at: last["registered_at"], recorded_at: last["recorded_at"] },
      `claimed work ${id}`,
    ).to.deep.equal({
      creator: lower(work.creator),
      registered_at: String(work.registeredAt),
      recorded_at: String(work.recordedAt),
    });
  });

  // Revenue splits and pots -------------------------------------------------------------------------------------
  // Every currency the ledger ever took (balances and pots in it stay).
  const currencies: Hex[] = [
    ZERO,
    ...new Set(
      parseEventLogs({ abi: licenceLedgerAbi, logs: ledgerLogs, eventName: "CurrencyAllowed" }).map(
        (l) => lower(l.args.token) as Hex,
      ),
    ),
  ];
  const splits = await db.query<{ work_id: string; version: number; owner: string; payees: unknown }>(
    "select work_id::text as work_id, version, owner, payees from revenue_splits s order by s.work_id, s.version",
  );
  const versions = await mapLimit(workIds, 32, (w) =>
    pub.readContract({ ...ledger, functionName: "currentSplit", args: [w] }),
  );
  for (const [i, workId] of workIds.entries()) {
    const rows = splits.filter((s) => s.work_id === workId.toString()).map((s) => s.version);
    const current = versions[i]?.[0] ?? 0;
    expect(rows, `split versions of work ${workId}`).to.deep.equal(Array.from({ length: current }, (_, j) => j + 1));
  }
  const pots = await db.query<{
    work_id: string;
    version: number;
    currency: string;
    received: string;
    released: string;
  }>(
    "select work_id::text as work_id, version, currency, received::text as received, released::text as released " +
      "from revenue_pots",
  );
  await mapLimit(splits, 32, async (row) => {
    const workId = BigInt(row.work_id);
    const [owner, payees] = await pub.readContract({ ...ledger, functionName: "splitOf", args: [workId, row.version] });
    expect({ owner: row.owner, payees: row.payees }, `split ${workId} v${row.version}`).to.deep.equal({
      owner: lower(owner),
      payees: payees.map((p) => ({ account: lower(p.account), shareBps: p.shareBps })),
    });
    for (const currency of currencies) {
      const [total, unreleased] = await pub.readContract({
        ...ledger,
        functionName: "revenueOf",
        args: [workId, row.version, currency],
      });
      const pot = pots.find((p) => p.work_id === row.work_id && p.version === row.version && p.currency === currency);
      expect(
        { received: pot?.received ?? "0", released: pot?.released ?? "0" },
        `revenue pot of ${workId} v${row.version} in ${currency}`,
      ).to.deep.equal({ received: total.toString(), released: (total - unreleased).toString() });
    }
  });
  for (const pot of pots) {
    expect(
      splits.some((s) => s.work_id === pot.work_id && s.version === pot.version),
      `pot ${pot.work_id} v${pot.version} has its split`,
    ).to.equal(true);
  }

  // Listings and bids ---------------------------------------------------------------------------------------------
  const listings = await db.query<ListingRow>(
    "select work_id::text as work_id, seller, currency, price::text as price, expiry::text as expiry, moves, pledges " +
      "from listings",
  );
  const listed = new Map(listings.map((l) => [l.work_id, l]));
  for (const l of listings) expect(workIds.map(String), "listings are of registered works").to.include(l.work_id);
  await mapLimit(works, 32, async (w) => {
    const workId = BigInt(w.work_id);
    const listing = await pub.readContract({ ...exchange, functionName: "listingOf", args: [workId] });
    const row = listed.get(w.work_id);
    if (!row) {
      expect(listing.price, `work ${workId} has no listing row: listingOf reads zeros`).to.equal(0n);
      return;
    }
    const { seller, ...rest } = row;
    expect(rest, `listing of ${workId}`).to.deep.equal({
      work_id: w.work_id,
      currency: lower(listing.currency),
      price: listing.price.toString(),
      expiry: String(listing.expiry),
      moves: listing.moves,
      pledges: listing.pledges,
    });
    expect(listing.price, `listing of ${workId} is live`).to.not.equal(0n);
    // The seller is the holder for as long as the work has not moved since it was listed.
    if (listing.moves === w.moves) expect(seller, `seller of ${workId}`).to.equal(w.owner);
  });
  const bids = await db.query<BidRow>(
    "select work_id::text as work_id, bidder, currency, amount::text as amount, expiry::text as expiry, " +
      "encumbrances from bids",
  );
  const bidRows = new Map(bids.map((b) => [`${b.work_id}:${b.bidder}`, b]));
  for (const b of bids) expect(workIds.map(String), "bids are on registered works").to.include(b.work_id);
  const bidders = [...new Set([...accounts, ...bids.map((b) => b.bidder as Hex)])];
  await mapLimit(
    workIds.flatMap((workId) => bidders.map((bidder) => ({ workId, bidder }))),
    64,
    async ({ workId, bidder }) => {
      const bid = await pub.readContract({ ...exchange, functionName: "bidOf", args: [workId, bidder] });
      const row = bidRows.get(`${workId}:${bidder}`);
      if (!row) {
        expect(bid.amount, `no bid row for ${workId} by ${bidder}: bidOf reads zero`).to.equal(0n);
        return;
      }
      expect(row, `bid on ${workId} by ${bidder}`).to.deep.equal({
        work_id: workId.toString(),
        bidder,
        currency: lower(bid.currency),
        amount: bid.amount.toString(),
        expiry: String(bid.expiry),
        encumbrances: bid.encumbrances,
      });
      expect(bid.amount, `bid on ${workId} by ${bidder} is live`).to.not.equal(0n);
    },
  );
  // The mirror tells a void bid (the work gained an encumbrance since): the holder's acceptBid refuses exactly those,
  // unless it refuses the bid for an earlier reason first.
  const { timestamp: headTime } = await pub.getBlock({ blockNumber });
  const byWork = new Map(works.map((w) => [w.work_id, w]));
  await mapLimit(bids, 16, async (b) => {
    const w = byWork.get(b.work_id) as WorkRow;
    const expiry = Number(b.expiry);
    if (expiry !== 0 && Math.abs(expiry - Number(headTime)) <= 5) return; // the simulation's time is not exact
    const expected =
      b.bidder === w.owner
        ? "SelfPurchase"
        : w.pledged
          ? "WorkPledged"
          : w.disputed
            ? "WorkDisputed"
            : expiry !== 0 && Number(headTime) >= expiry
              ? "BidExpired"
              : b.encumbrances !== w.encumbrances
                ? "BidVoid"
                : null;
    const actual = await pub
      .simulateContract({
        ...exchange,
        account: w.owner as Hex,
        functionName: "acceptBid",
        args: [BigInt(b.work_id), b.bidder as Hex, b.currency as Hex, BigInt(b.amount)],
      })
      .then(
        () => null,
        (error: unknown) => {
          const reverted =
            error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
          return reverted instanceof ContractFunctionRevertedError
            ? (reverted.data?.errorName ?? "revert")
            : String(error);
        },
      );
    const what = `acceptBid of ${b.bidder}'s bid on ${b.work_id}`;
    if (expected) expect(actual, what).to.equal(expected);
    else expect(actual, what).to.not.be.oneOf(["BidVoid", "SelfPurchase", "WorkPledged", "WorkDisputed", "BidExpired"]);
  });

  // Balances and fees --------------------------------------------------------------------------------------------
  const balances = await db.query<{ contract: string; account: string; currency: string; owed: string }>(
    "select contract, account, currency, owed::text as owed from balances",
  );
  // owed() and platformFee() are the Payments base of both contracts: one ABI reads either.
  const paying = new Map<string, Hex>([
    [lower(deployment.ledger), deployment.ledger],
    [lower(deployment.exchange), deployment.exchange],
  ]);
  const owedBy = (contract: string, account: Hex, currency: Hex) =>
    pub.readContract({
      ...ledger,
      address: paying.get(contract) as Hex,
      functionName: "owed",
      args: [account, currency],
    });
  await mapLimit(balances, 32, async (row) => {
    expect([...paying.keys()], "balance rows are of the ledger and the exchange").to.include(row.contract);
    const owed = await owedBy(row.contract, row.account as Hex, row.currency as Hex);
    expect(row.owed, `owed by ${row.contract} to ${row.account} in ${row.currency}`).to.equal(owed.toString());
  });
  const byKey = new Map(balances.map((b) => [`${b.contract}:${b.account}:${b.currency}`, b.owed]));
  const pairs = [...paying.keys()].flatMap((contract) =>
    accounts.flatMap((account) => currencies.map((currency) => ({ contract, account, currency }))),
  );
  await mapLimit(pairs, 32, async ({ contract, account, currency }) => {
    const owed = await owedBy(contract, account, currency);
    const row = byKey.get(`${contract}:${account}:${currency}`);
    const what = `balance row of ${account} at ${contract} in ${currency}`;
    if (owed > 0n) expect(row, what).to.equal(owed.toString());
    else if (row !== undefined) expect(row, what).to.equal("0");
  });
  const settings = await db.query<{ contract: string; treasury: string; fee_bps: number }>(
    "select contract, treasury, fee_bps from payment_settings",
  );
  for (const [contract, address] of paying) {
    const [treasury, feeBps] = await pub.readContract({ ...ledger, address, functionName: "platformFee" });
    const row = settings.find((s) => s.contract === contract);
    expect(
      row ? { treasury: row.treasury, fee: row.fee_bps } : { treasury: ZERO, fee: 0 },
      `fee of ${contract}`,
    ).to.deep.equal({
      treasury: lower(treasury),
      fee: feeBps,
    });
  }
  const currencyRows = await db.query<Record<string, unknown>>(
    "select contract, currency_id, token, allowed, source from currencies order by contract, currency_id",
  );
  const expectedCurrencies = new Map<string, Record<string, unknown>>();
  for (const [source, contractLogs] of [
    ["ledger", ledgerLogs],
    ["exchange", exchangeLogs],
  ] as const) {
    for (const l of parseEventLogs({ abi: licenceLedgerAbi, logs: contractLogs, eventName: "CurrencyAllowed" })) {
      const contract = lower(l.address);
      expectedCurrencies.set(`${contract}:${l.args.id}`, {
        contract,
        currency_id: l.args.id,
        token: lower(l.args.token),
        allowed: l.args.allowed,
        source,
      });
    }
  }
  expect(currencyRows, "currencies").to.deep.equal(
    [...expectedCurrencies.values()].sort((a, b) =>
      `${a["contract"]}:${String(a["currency_id"]).padStart(3, "0")}`.localeCompare(
        `${b["contract"]}:${String(b["currency_id"]).padStart(3, "0")}`,
      ),
    ),
  );
  for (const row of currencyRows) {
    const address = paying.get(String(row["contract"])) as Hex;
    const [allowed, token] = await Promise.all([
      pub.readContract({ ...ledger, address, functionName: "isCurrencyAllowed", args: [row["token"] as Hex] }),
      pub.readContract({ ...ledger, address, functionName: "currencyOf", args: [Number(row["currency_id"])] }),
    ]);
    expect({ allowed: row["allowed"], token: row["token"] }, `currency ${row["token"]} at ${address}`).to.deep.equal({
      allowed,
      token: lower(token),
    });
  }

  // The facts the event log keeps no arguments of ------------------------------------------------------------------
  const payments = await db.query<Record<string, unknown>>(
    "select block_number::text || ':' || log_index::text as position, grant_id::text as grant_id, " +
      "work_id::text as work_id, kind, payer, currency, price::text as price, fee::text as fee, " +
      "royalty::text as royalty, split_version, payee, end_at::text as end_at from licence_payments " +
      "order by block_number, log_index",
  );
  expect(payments, "licence_payments = the LicencePurchased and LicenceRenewed logs").to.deep.equal(
    parseEventLogs({ abi: licenceLedgerAbi, logs: ledgerLogs }).flatMap((l) => {
      if (l.eventName !== "LicencePurchased" && l.eventName !== "LicenceRenewed") return [];
      const a = l.args;
      return [
        {
          position: position(l),
          grant_id: String(a.grantId),
          work_id: String(a.workId),
          kind: l.eventName === "LicencePurchased" ? "purchase" : "renewal",
          payer: lower("licensee" in a ? a.licensee : a.payer),
          currency: lower(a.currency),
          price: String(a.price),
          fee: String(a.fee),
          royalty: String(a.royalty),
          split_version: a.splitVersion,
          payee: lower(a.payee),
          end_at: String(a.end),
        },
      ];
    }),
  );
  const sales = await db.query<Record<string, unknown>>(
    "select block_number::text || ':' || log_index::text as position, work_id::text as work_id, seller, buyer, " +
      "by_bid, currency, price::text as price, royalty_receiver, royalty::text as royalty, fee::text as fee, " +
      "parent_royalty::text as parent_royalty from work_sales order by block_number, log_index",
  );
  expect(sales, "work_sales = the WorkSold logs").to.deep.equal(
    parseEventLogs({ abi: exchangeAbi, logs: exchangeLogs, eventName: "WorkSold" }).map((l) => ({
      position: position(l),
      work_id: String(l.args.workId),
      seller: lower(l.args.seller),
      buyer: lower(l.args.buyer),
      by_bid: l.args.bid,
      currency: lower(l.args.currency),
      price: String(l.args.price),
      royalty_receiver: lower(l.args.royaltyReceiver),
      royalty: String(l.args.royalty),
      fee: String(l.args.fee),
      parent_royalty: String(l.args.parentRoyalty),
    })),
  );
  const movements = (reason: string) =>
    db.query<Record<string, unknown>>(
      "select block_number::text || ':' || log_index::text as position, contract, account, currency, " +
        "amount::text as amount, work_id::text as work_id, withdrawn_by from balance_movements where reason = $1 " +
        "order by block_number, log_index, seq",
      [reason],
    );
  expect(await movements("withdrawal"), "withdrawals = the Withdrawn logs").to.deep.equal(
    [...ledgerLogs, ...exchangeLogs]
      .sort(
        (a, b) =>
          Number(BigInt(a.blockNumber ?? 0) - BigInt(b.blockNumber ?? 0)) || Number(a.logIndex) - Number(b.logIndex),
      )
      .flatMap((l) => parseEventLogs({ abi: licenceLedgerAbi, logs: [l], eventName: "Withdrawn" }))
      .map((l) => ({
        position: position(l),
        contract: lower(l.address),
        account: lower(l.args.account),
        currency: lower(l.args.currency),
        amount: String(-l.args.amount),
        work_id: null,
        withdrawn_by: lower(l.args.by),
      })),
  );
  // A derivative royalty a parent keeps is its payee's when the parent has no split in force (else its pot's).
  expect(
    await movements("derivative_royalty"),
    "derivative royalty credits = the RoyaltyCredited logs paid to an account",
  ).to.deep.equal(
    parseEventLogs({ abi: licenceLedgerAbi, logs: ledgerLogs, eventName: "RoyaltyCredited" })
      .filter((l) => l.args.payee !== ZERO && l.args.amount > l.args.upstream)
      .map((l) => ({
        position: position(l),
        contract: lower(l.address),
        account: lower(l.args.payee),
        currency: lower(l.args.currency),
        amount: String(l.args.amount - l.args.upstream),
        work_id: String(l.args.parentId),
        withdrawn_by: null,
      })),
  );
}

type WorkRow = {
  work_id: string;
  content_hash: string;
  creator: string;
  owner: string;
  registered_at: string;
  royalty_receiver: string;
  royalty_bps: number;
  parents: unknown;
  metadata_cid: string;
  pledged: boolean;
  pledgee: string | null;
  pledge_maturity: string | null;
  licence_consent_pledge: number;
  disputed: boolean;
  owes_royalties: boolean;
  moves: number;
  pledges: number;
  encumbrances: number;
  recorded_at: string;
};

type OfferRow = {
  work_id: string;
  offer_index: number;
  kind: number;
  status: number;
  uses: number;
  fields: number;
  transferable: boolean;
  territory: unknown;
  supply: number;
  sold: number;
  start_at: string;
  end_at: string;
  duration: string;
  currency: string;
  price: string;
  moves: number;
  terms_hash: string;
  derivative_royalty_bps: number;
};

type GrantRow = {
  grant_id: string;
  work_id: string;
  offer_index: number;
  serial: number;
  holder: string;
  start_at: string;
  end_at: string;
  state: number;
  transferable: boolean;
  parent: string;
};

type ListingRow = {
  work_id: string;
  seller: string;
  currency: string;
  price: string;
  expiry: string;
  moves: number;
  pledges: number;
};

type BidRow = {
  work_id: string;
  bidder: string;
  currency: string;
  amount: string;
  expiry: string;
  encumbrances: number;
};
