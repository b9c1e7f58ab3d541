/** How the provenance registry's events change the mirror: works, their titles, and priority claims. */
import type { ChainEvent } from "./decode.ts";
import {
  cidOf,
  edgeKey,
  encumbered,
  type KeyContext,
  MAX_PARENTS,
  type PageState,
  type Projector,
  type Projectors,
  workKey,
  ZERO,
} from "./projector.ts";
import { facts, things } from "./schema.ts";
import type { Row } from "./tables.ts";

const DAY = 86_400;
/** `type(uint16).max`: the most days the registry records between a registration's priority time and its block. */
const MAX_REVEAL_DAYS = 2 ** 16 - 1;

/**
 * When the registry counts a registration as recorded: its priority time plus the whole days, rounded up, until the
 * block that recorded it (`ProvenanceRegistry._daysSince`); a direct registration's is its own time.
 */
export function recordedAt(registeredAt: number, blockTime: number): number {
  const days = Math.min(MAX_REVEAL_DAYS, Math.ceil(Math.max(0, blockTime - registeredAt) / DAY));
  return registeredAt + days * DAY;
}

/** A registry event that changes its work's row. */
function onWork(apply: (e: ChainEvent, page: PageState, key: Row) => void): Projector {
  return {
    keys: (e: ChainEvent, k: KeyContext) => [workKey(k, e.args["workId"])],
    apply: (e: ChainEvent, page: PageState) => apply(e, page, workKey(page, e.args["workId"])[1]),
  };
}

export const registryProjectors: Projectors = {
  Transfer: {
    keys: () => [],
    apply(e, page) {
      if (e.args["from"] === ZERO) page.registrations.mints.set(String(e.args["tokenId"]), String(e.args["to"]));
    },
  },
  // Emitted before the mint of the work it describes: the registration picks the parents up.
  WorkDerived: {
    keys: () => [],
    apply(e, page) {
      page.registrations.parents.set(String(e.args["workId"]), (e.args["parents"] as bigint[]).map(String));
    },
  },
  WorkRegistered: onWork((e, page, key) => {
    const a = e.args;
    const id = String(a["workId"]);
    const owner = page.registrations.mints.get(id);
    if (!owner) throw new Error(`WorkRegistered ${id} without its mint in block ${e.block}`);
    const registeredAt = Number(a["registeredAt"]);
    const metadataCid = cidOf(Number(a["metadataCodec"]), String(a["metadataDigest"]));
    page.set(things.works, {
      ...key,
      content_hash: `0x${(a["workId"] as bigint).toString(16).padStart(64, "0")}`,
      creator: a["creator"],
      owner,
      registered_at: registeredAt,
      recorded_at: recordedAt(registeredAt, page.time(e) ?? registeredAt),
      royalty_receiver: a["royaltyReceiver"],
      royalty_bps: Number(a["royaltyBps"]),
      parents: page.registrations.parents.get(id) ?? [],
      metadata_cid: metadataCid,
      registered_metadata_cid: metadataCid,
      pledged: false,
      pledgee: null,
      pledge_maturity: null,
      licence_consent_pledge: 0,
      disputed: false,
      owes_royalties: page.registrations.owingRoyalties.has(id),
      moves: 0,
      pledges: 0,
      encumbrances: 0,
      block_number: e.block.toString(),
      metadata_status: "pending",
      metadata_error: null,
      metadata_attempts: 0,
      metadata_retry_at: null,
    });
  }),
  TitleTransferred: onWork((e, page, key) => {
    const work = page.must(things.works, key);
    page.update(things.works, key, { owner: e.args["to"], moves: Number(work["moves"]) + 1 });
    page.fact(facts.titleTransfers, {
      chain_id: page.chain,
      block_number: e.block,
      log_index: e.logIndex,
      tx_hash: e.txHash,
      work_id: e.args["workId"],
      from_address: e.args["from"],
      to_address: e.args["to"],
      deed_hash: null,
      deed_cid: null,
      timestamp: page.time(e),
    });
  }),
  AssignmentRecorded: {
    keys: () => [],
    apply(e, page) {
      // The deed belongs to the transfer of the same work in the same transaction, just applied.
      const transfer = page
        .facts(facts.titleTransfers)
        .findLast((t) => t["tx_hash"] === e.txHash && t["work_id"] === e.args["workId"]);
      if (!transfer) throw new Error(`AssignmentRecorded ${e.args["workId"]} without its transfer in block ${e.block}`);
      transfer["deed_hash"] = e.args["deedHash"];
      transfer["deed_cid"] = e.args["deedCid"];
    },
  },
  MetadataChanged: onWork((e, page, key) => {
    const work = page.must(things.works, key);
    page.update(things.works, key, {
      metadata_cid: cidOf(Number(e.args["metadataCodec"]), String(e.args["metadataDigest"])),
      encumbrances: encumbered(work),
      ...NEW_METADATA,
    });
  }),
  // The claimant's record replaces the displaced one, which the fact keeps, and the displaced registration's parents
  // and their royalty edges go; the token's move follows as a transfer.
  PriorityClaimed: {
    keys: (e, k) => [
      workKey(k, e.args["workId"]),
      ...Array.from({ length: MAX_PARENTS }, (_, i) => edgeKey(k, e.args["workId"], i)),
    ],
    apply: (e, page) => claimPriority(e, page, workKey(page, e.args["workId"])[1]),
  },
  WorkPledged: onWork((e, page, key) => {
    const work = page.must(things.works, key);
    page.update(things.works, key, {
      pledged: true,
      pledgee: e.args["pledgee"],
      pledge_maturity: Number(e.args["maturity"]),
      pledges: Number(work["pledges"]) + 1,
    });
  }),
  PledgeReleased: onWork(endPledge),
  PledgeForeclosed: onWork(endPledge),
  DisputeFlagged: onWork((_e, page, key) => page.update(things.works, key, { disputed: true })),
  DisputeCleared: onWork((_e, page, key) => page.update(things.works, key, { disputed: false })),
};

/** The metadata columns of a work whose CID changed: fetched again. */
const NEW_METADATA: Row = {
  metadata_status: "pending",
  metadata_error: null,
  metadata_attempts: 0,
  metadata_retry_at: null,
};

/** A priority claim: see the registry's `PriorityClaimed`. */
function claimPriority(e: ChainEvent, page: PageState, key: Row): void {
  const a = e.args;
  const work = page.must(things.works, key);
  const registeredAt = Number(a["registeredAt"]);
  const time = page.time(e) ?? registeredAt;
  const metadataCid = cidOf(Number(a["metadataCodec"]), String(a["metadataDigest"]));
  const cleared = String(a["clearedPledgee"]);
  page.fact(facts.priorityClaims, {
    chain_id: page.chain,
    block_number: e.block,
    log_index: e.logIndex,
    tx_hash: e.txHash,
    work_id: a["workId"],
    creator: a["creator"],
    holder: a["to"],
    registered_at: registeredAt,
    recorded_at: recordedAt(registeredAt, time),
    metadata_cid: metadataCid,
    royalty_receiver: a["royaltyReceiver"],
    royalty_bps: Number(a["royaltyBps"]),
    displaced_creator: a["displacedCreator"],
    displaced_holder: work["owner"],
    displaced_registered_at: Number(a["displacedRegisteredAt"]),
    displaced_recorded_at: Number(a["displacedRecordedAt"]),
    displaced_metadata_cid: work["metadata_cid"],
    displaced_royalty_receiver: work["royalty_receiver"],
    displaced_royalty_bps: work["royalty_bps"],
    displaced_parents: work["parents"],
    displaced_owed_royalties: work["owes_royalties"],
    cleared_pledgee: cleared === ZERO ? null : cleared,
    timestamp: time,
  });
  page.update(things.works, key, {
    creator: a["creator"],
    registered_at: registeredAt,
    recorded_at: recordedAt(registeredAt, time),
    royalty_receiver: a["royaltyReceiver"],
    royalty_bps: Number(a["royaltyBps"]),
    parents: [],
    metadata_cid: metadataCid,
    registered_metadata_cid: metadataCid,
    pledged: false,
    pledgee: null,
    pledge_maturity: null,
    owes_royalties: false,
    encumbrances: encumbered(work),
    ...NEW_METADATA,
  });
  for (let i = 0; i < MAX_PARENTS; i++) {
    const edge = edgeKey(page, e.args["workId"], i)[1];
    if (page.get(things.royaltyEdges, edge)) page.set(things.royaltyEdges, null, edge);
  }
}

function endPledge(_e: ChainEvent, page: PageState, key: Row): void {
  page.update(things.works, key, { pledged: false, pledgee: null, pledge_maturity: null });
}
