/**
 * The random market workload's registry operations: registrations (plain, derivative, by reveal, from a batch),
 * priority claims, transfers, assignments, metadata, pledges and disputes. A helper module: it registers no tests.
 */
import { type Hex, keccak256, toHex } from "viem";
import { batchLeafOf, commitmentOf } from "../../core/commitment.ts";
import { buildMerkleTree, merkleProofOf } from "../../core/merkle.ts";
import { licenceLedgerAbi, provenanceRegistryAbi } from "../../types/abi/index.js";
import {
  type Commitment,
  type Ctx,
  chance,
  cidOf,
  DAY,
  findOne,
  findWork,
  grantOf,
  int,
  isLive,
  jump,
  now,
  type Outcome,
  offerOf,
  otherThan,
  pick,
  pledgeOf,
  send,
  titleOf,
  variant,
  workOf,
  ZERO,
} from "./workload-context.ts";

/** `DerivativeRoyalties.MAX_ROYALTY_EDGES`: most royalty edges in the tree above a work. */
const MAX_ROYALTY_EDGES = 8;
/** `ProvenanceRegistry.PRIORITY_CLAIM_PERIOD`. */
const CLAIM_PERIOD = 30 * DAY;
export const ARBITER_ROLE = keccak256(toHex("ARBITER_ROLE"));

/** A registration of a new file by `artisan`, with royalty settings drawn at random. */
function registration(c: Ctx, artisan: Hex, contentHash: Hex, parents: bigint[]) {
  const to = chance(c, 0.85) ? artisan : otherThan(c, artisan);
  const receiverRoll = c.rng();
  const royaltyReceiver = receiverRoll < 0.4 ? ZERO : receiverRoll < 0.7 ? artisan : otherThan(c, artisan, c.accounts);
  const royaltyBps = chance(c, 0.15) ? 0 : int(c, 1, 2500);
  return {
    to,
    contentHash,
    metadataCid: cidOf(c, `metadata ${c.seed} ${c.step}`),
    royaltyReceiver,
    royaltyBps,
    parents,
  };
}

export async function register(c: Ctx): Promise<Outcome> {
  const artisan = pick(c, c.actors);
  const contentHash = keccak256(toHex(`market ${c.seed} work ${c.step}`));
  const outcome = await send(c, "register", artisan, "registry", "register", [
    registration(c, artisan, contentHash, []),
  ]);
  if (outcome === "sent") c.known.works.push(BigInt(contentHash));
  return outcome;
}

/** Royalty edges in the tree above a work, as the ledger counts them: each royalty parent's edge and its own tree. */
async function royaltyEdges(c: Ctx, workId: bigint): Promise<number> {
  const parents = await c.pub.readContract({
    address: c.d.ledger,
    abi: licenceLedgerAbi,
    functionName: "royaltyParentsOf",
    args: [workId],
  });
  let edges = 0;
  for (const p of parents) edges += 1 + (await royaltyEdges(c, p.parentId));
  return edges;
}

/**
 * A work `artisan` (or, without one, any actor) may register a derivative of under a licence: a live grant it holds of
 * a work it does not, that it named for derivatives (`derivativeGrantOf`), whose royalty keeps the lineage within
 * the ledger's limit. With the parent's title (whether the parent is a derivative owing royalties itself).
 */
async function licensedParent(c: Ctx, artisan: Hex | null, grants = c.known.grants) {
  return findOne(
    c,
    grants,
    async (ref) => {
      const grant = await grantOf(c, ref.id);
      const holder = grant.holder.toLowerCase() as Hex;
      if (!isLive(grant.status) || (artisan !== null && holder !== artisan) || !c.actors.includes(holder)) {
        return null;
      }
      const title = await titleOf(c, ref.workId);
      if (title.owner === holder) return null;
      const grantId = await c.pub.readContract({
        address: c.d.ledger,
        abi: licenceLedgerAbi,
        functionName: "derivativeGrantOf",
        args: [holder, ref.workId],
      });
      const authorising = c.known.grants.find((g) => g.id === grantId);
      if (grantId === 0n || !authorising) return null;
      const { derivativeRoyaltyBps } = await offerOf(c, { workId: authorising.workId, index: authorising.offerIndex });
      if (derivativeRoyaltyBps > 0 && 1 + (await royaltyEdges(c, ref.workId)) > MAX_ROYALTY_EDGES) return null;
      return { artisan: holder, parent: ref.workId, title, royaltyBps: derivativeRoyaltyBps };
    },
    20,
  );
}

/** A derivative of a work licensed to its registrant with the adapt right (a royalty owed when the terms set one). */
export async function registerDerivative(c: Ctx): Promise<Outcome> {
  // Half the time a derivative of a derivative is looked for first.
  const ofDerivatives = c.known.grants.filter((g) => c.known.derivatives.has(g.workId));
  const found =
    (chance(c, 0.5) ? await licensedParent(c, null, ofDerivatives) : null) ?? (await licensedParent(c, null));
  if (!found) return "none";
  const parents = [found.parent];
  // Sometimes a second parent the artisan holds itself: no licence, no royalty.
  if (chance(c, 0.3)) {
    const own = await findWork(c, (t, workId) => t.owner === found.artisan && workId !== found.parent, 6);
    if (own) parents.push(own.workId);
  }
  const contentHash = keccak256(toHex(`market ${c.seed} derivative ${c.step}`));
  const op = variant("register derivative", {
    "of a derivative": found.title.owesRoyalties,
    "owing a royalty": found.royaltyBps > 0,
  });
  const outcome = await send(c, op, found.artisan, "registry", "register", [
    registration(c, found.artisan, contentHash, parents),
  ]);
  if (outcome === "sent") {
    c.known.works.push(BigInt(contentHash));
    if (found.royaltyBps > 0) c.known.derivatives.add(BigInt(contentHash));
  }
  return outcome;
}

export async function assign(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => !t.pledged);
  if (!w) return "none";
  const deedCid = chance(c, 0.8) ? cidOf(c, `deed ${c.seed} ${c.step}`) : "0x";
  return send(c, "assign", w.owner, "registry", "assign", [
    otherThan(c, w.owner),
    w.workId,
    keccak256(toHex(`deed ${c.seed} ${c.step}`)),
    deedCid,
  ]);
}

export async function transfer(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => !t.pledged);
  if (!w) return "none";
  const to = otherThan(c, w.owner);
  if (chance(c, 0.5)) return send(c, "transferFrom", w.owner, "registry", "transferFrom", [w.owner, to, w.workId]);
  return send(c, "safeTransferFrom", w.owner, "registry", "safeTransferFrom", [w.owner, to, w.workId]);
}

export async function updateMetadata(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, () => true, 1);
  if (!w) return "none";
  return send(c, "updateMetadata", w.owner, "registry", "updateMetadata", [
    w.workId,
    cidOf(c, `new metadata ${c.seed} ${c.step}`),
  ]);
}

/** A pledge, half the time to the work's last pledgee again when it had one (whose consent ended with that pledge). */
export async function pledge(c: Ctx): Promise<Outcome> {
  const w =
    (chance(c, 0.5) ? await findWork(c, (t) => !t.pledged && t.pledges > 0, 20) : null) ??
    (await findWork(c, (t) => !t.pledged));
  if (!w) return "none";
  const pledges = await c.pub.getContractEvents({
    address: c.d.registry,
    abi: provenanceRegistryAbi,
    eventName: "WorkPledged",
    args: { workId: w.workId },
    fromBlock: c.d.startBlock,
  });
  const last = pledges[pledges.length - 1]?.args.pledgee?.toLowerCase() as Hex | undefined;
  const again = last !== undefined && last !== w.owner && c.actors.includes(last) && chance(c, 0.5);
  const maturity = (await now(c)) + int(c, 600, 20_000);
  const agreement = chance(c, 0.7) ? cidOf(c, `agreement ${c.seed} ${c.step}`) : "0x";
  const pledgee = again ? last : otherThan(c, w.owner);
  const op = again ? "pledge (same pledgee again)" : "pledge";
  return send(c, op, w.owner, "registry", "pledge", [w.workId, pledgee, maturity, agreement]);
}

export async function releasePledge(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => t.pledged);
  if (!w) return "none";
  const p = await pledgeOf(c, w.workId);
  return send(c, "releasePledge", p.pledgee, "registry", "releasePledge", [w.workId]);
}

export async function foreclose(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => t.pledged);
  if (!w) return "none";
  const p = await pledgeOf(c, w.workId);
  const t = await now(c);
  if (t + 1 < p.maturity) await jump(c, p.maturity - t);
  return send(c, "foreclose", p.pledgee, "registry", "foreclose", [w.workId]);
}

export async function flagDispute(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => !t.disputed);
  if (!w) return "none";
  return send(c, "flagDispute", c.admin, "registry", "flagDispute", [w.workId, cidOf(c, `evidence ${c.step}`)]);
}

export async function clearDispute(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => t.disputed, 30);
  if (!w) return "none";
  return send(c, "clearDispute", c.admin, "registry", "clearDispute", [w.workId, "0x"]);
}

// Commitments and priority ------------------------------------------------------------------------------------

/** A private commitment to a new file, by its creator or (a fifth of the time) anyone else for it. */
export async function commit(c: Ctx): Promise<Outcome> {
  const creator = pick(c, c.actors);
  const k: Commitment = {
    creator,
    contentHash: keccak256(toHex(`market ${c.seed} committed ${c.step}`)),
    salt: keccak256(toHex(`salt ${c.seed} ${c.step}`)),
    batch: null,
  };
  const submitter = chance(c, 0.8) ? creator : otherThan(c, creator);
  const outcome = await send(c, "commit", submitter, "registry", "commit", [
    commitmentOf(k.creator, k.contentHash, k.salt),
  ]);
  if (outcome === "sent") c.known.commitments.push(k);
  return outcome;
}

/** A batch of one to three commitments by several creators, anchored by one submitter. */
export async function anchorBatch(c: Ctx): Promise<Outcome> {
  const submitter = pick(c, c.actors);
  const leaves = Array.from({ length: int(c, 1, 3) }, (_, i) => ({
    creator: pick(c, c.actors),
    contentHash: keccak256(toHex(`market ${c.seed} batched ${c.step} ${i}`)),
    salt: keccak256(toHex(`batch salt ${c.seed} ${c.step} ${i}`)),
  }));
  const hashed = leaves.map((l) => batchLeafOf(l.creator, l.contentHash, l.salt));
  const tree = buildMerkleTree(hashed);
  const leavesCid = chance(c, 0.5) ? cidOf(c, `leaves ${c.seed} ${c.step}`) : "0x";
  const outcome = await send(c, "anchorBatch", submitter, "registry", "anchorBatch", [
    tree.root,
    leaves.length,
    leavesCid,
  ]);
  if (outcome === "sent") {
    for (const [i, l] of leaves.entries()) {
      const proof = merkleProofOf(tree, hashed[i] as Hex);
      c.known.commitments.push({ ...l, batch: { submitter, root: tree.root, proof } });
    }
  }
  return outcome;
}

/** When a commitment was anchored on this chain (zero: not, say after a reorg). */
async function committedAt(c: Ctx, k: Commitment): Promise<number> {
  const at = k.batch
    ? await c.pub.readContract({
        address: c.d.registry,
        abi: provenanceRegistryAbi,
        functionName: "batchTime",
        args: [k.batch.submitter, k.batch.root],
      })
    : await c.pub.readContract({
        address: c.d.registry,
        abi: provenanceRegistryAbi,
        functionName: "commitmentTime",
        args: [commitmentOf(k.creator, k.contentHash, k.salt)],
      });
  return Number(at);
}

/**
 * Another creator registers a committed file directly, at least a day after the commitment (time moves on when it
 * must): a registration its committer can displace. Sometimes as a derivative owing a royalty, which the claim clears.
 */
export async function frontRun(c: Ctx): Promise<Outcome> {
  const found = await findOne(c, c.known.commitments, async (k) => {
    const at = await committedAt(c, k);
    if (at === 0 || (await titleOf(c, BigInt(k.contentHash))).owner !== ZERO) return null;
    return { k, at };
  });
  if (!found) return "none";
  const licensed = chance(c, 0.5) ? await licensedParent(c, null) : null;
  const registrant =
    licensed && licensed.artisan !== found.k.creator ? licensed.artisan : otherThan(c, found.k.creator);
  const parents = licensed?.artisan === registrant ? [licensed.parent] : [];
  const t = await now(c);
  if (t + 1 < found.at + DAY) await jump(c, found.at + DAY - t + int(c, 0, 3_000));
  const op = parents.length ? "register derivative (front-run)" : "register (front-run)";
  const outcome = await send(c, op, registrant, "registry", "register", [
    registration(c, registrant, found.k.contentHash, parents),
  ]);
  if (outcome === "sent") {
    c.known.works.push(BigInt(found.k.contentHash));
    if (licensed && parents.length && licensed.royaltyBps > 0) c.known.derivatives.add(BigInt(found.k.contentHash));
  }
  return outcome;
}

/**
 * A creator reveals its commitment: a registration at the commitment's time when the file is new, or a priority claim
 * when another creator registered it later (by at least a day) and the claim period is still open.
 */
export async function reveal(c: Ctx): Promise<Outcome> {
  const t = (await now(c)) + 1;
  const found = await findOne(c, c.known.commitments, async (k) => {
    const at = await committedAt(c, k);
    if (at === 0) return null;
    const workId = BigInt(k.contentHash);
    if ((await titleOf(c, workId)).owner === ZERO) return chance(c, 0.4) ? { k, claim: false } : null;
    const work = await workOf(c, workId);
    if (work.creator.toLowerCase() === k.creator) {
      // Revealed already (and never displaced since): nothing more to do with it.
      c.known.commitments.splice(c.known.commitments.indexOf(k), 1);
      return null;
    }
    if (at + DAY > Number(work.registeredAt) || t >= Number(work.recordedAt) + CLAIM_PERIOD) return null;
    return { k, claim: true };
  });
  if (!found) return "none";
  const { k } = found;
  const r = registration(c, k.creator, k.contentHash, []);
  const op = variant("reveal", { "from a batch": k.batch !== null, "priority claim": found.claim });
  const outcome = k.batch
    ? await send(c, op, k.creator, "registry", "revealFromBatch", [
        r,
        k.salt,
        k.batch.submitter,
        k.batch.root,
        k.batch.proof,
      ])
    : await send(c, op, k.creator, "registry", "reveal", [r, k.salt]);
  if (outcome === "sent") {
    c.known.commitments.splice(c.known.commitments.indexOf(k), 1);
    if (!found.claim) c.known.works.push(BigInt(k.contentHash));
  }
  return outcome;
}
