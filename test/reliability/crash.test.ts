// The whole server killed with SIGKILL at random moments of a storm of uploads, relayed and direct registrations and
// licence sales, restarted on its data directory: nothing acknowledged is lost, nothing is done twice.
import { createHash, randomBytes } from "node:crypto";
import { expect } from "chai";
import type { Hex } from "viem";
import { commitmentOf } from "../../core/commitment.ts";
import { commitRequestTypedData, registerTypedData, revealBatchTypedData, revealTypedData } from "../../core/eip712.ts";
import { openDatabase } from "../../server/db/database.ts";
import { type Backend, pgliteBackend, postgresBackend } from "../db/backends.ts";
import { seeded } from "../indexer/chain.ts";
import { CHAIN_ID, dump, freshSync } from "../indexer/mirror.ts";
import {
  type Chain,
  call,
  chainFacts,
  chainHead,
  eventually,
  FAR,
  jsonOf,
  newCreator,
  prepareWork,
  System,
  startChain,
  transactionsFrom,
} from "./system.ts";

/**
 * Kills on PGlite (the server's default database), and half as many on PostgreSQL: RELIABILITY_KILLS, default 8 (about
 * 2.5 minutes in all on two shared cores, each restart on PGlite taking ~9 s). RELIABILITY_KILLS=20 is the issue's
 * full count (about 5.5 minutes).
 */
const KILLS = Number(process.env["RELIABILITY_KILLS"] ?? 8);
const SEED = Number(process.env["RELIABILITY_SEED"] ?? 20_240_501);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sha256 = (bytes: Uint8Array) => `0x${createHash("sha256").update(bytes).digest("hex")}`;

/** A work's registration fields, as prepared through the API. */
type Fields = NonNullable<Awaited<ReturnType<typeof prepareWork>>>["fields"];
type Leaf = { creator: ReturnType<typeof newCreator>; fields: Fields; salt: Hex };

/** What the server acknowledged during the storm, and what it refused that it should not have. */
type Acked = {
  uploads: { cid: string; bytes: Uint8Array }[];
  /** Relay request ids answered, with their kind and (registrations and reveals) the works they register. */
  relays: { id: string; kind: string; works: Hex[] }[];
  /** Works registered directly on the chain by the test's wallets (with their licence sales). */
  direct: number;
  /** Uploads cut short by a kill (no answer): the kills land mid-request. */
  interrupted: number;
  surprises: string[];
};

/** The storm's clients, each a loop over HTTP against whichever server is running, riding out its deaths. */
class Storm {
  readonly acked: Acked = { uploads: [], relays: [], direct: 0, interrupted: 0, surprises: [] };
  #on = true;
  readonly #sys: System;
  readonly #chain: Chain;
  readonly #random: () => number;
  readonly #loops: Promise<void>[] = [];

  constructor(sys: System, chain: Chain, random: () => number) {
    this.#sys = sys;
    this.#chain = chain;
    this.#random = random;
  }

  start(): void {
    const loop = async (name: string, round: (i: number) => Promise<void>) => {
      for (let i = 0; this.#on; i++) {
        try {
          await round(i);
        } catch (error) {
          this.acked.surprises.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
          await sleep(200);
        }
      }
    };
    this.#loops.push(
      loop("uploads", () => this.#upload()),
      loop("uploads", () => this.#upload()),
      loop("register", (i) => this.#register(i)),
      loop("commit-reveal", (i) => this.#commitReveal(i)),
      loop("batch", (i) => this.#batch(i)),
      loop("direct", (i) => this.#direct(i)),
    );
  }

  /** Stops starting new rounds and waits for the rounds under way (the server must be up for them to finish). */
  async finish(): Promise<void> {
    this.#on = false;
    await Promise.all(this.#loops);
  }

  /** The running server's URL; waits while it is down. */
  async #url(): Promise<string> {
    while (!this.#sys.running) await sleep(50);
    return this.#sys.url;
  }

  /** Asks until the server answers (not 503 or a dropped connection), as a client that lost its answer would. */
  async #ask(path: string, init: Parameters<typeof call>[2] = {}) {
    for (let attempt = 0; ; attempt++) {
      const answer = await call(await this.#url(), path, init);
      if (answer && answer.status !== 503) return answer;
      if (attempt > 600) throw new Error(`${path}: no answer`);
      await sleep(100);
    }
  }

  async #upload(): Promise<void> {
    // Mostly small files, now and then one of megabytes, streamed in many chunks a kill can land between.
    const size =
      this.#random() < 0.1
        ? 1_000_000 + Math.floor(this.#random() * 2_000_000)
        : 1 + Math.floor(this.#random() * 100_000);
    const bytes = randomBytes(size);
    const answer = await call(await this.#url(), "/api/files", { raw: bytes });
    if (!answer) {
      this.acked.interrupted++; // killed mid-upload: not acknowledged
      return;
    }
    if (answer.status !== 200) throw new Error(`upload answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    const file = answer.json as { cid: string; sha256: string; size: number };
    if (file.sha256 !== sha256(bytes) || file.size !== size)
      throw new Error(`upload acknowledged wrongly: ${file.cid}`);
    this.acked.uploads.push({ cid: file.cid, bytes });
  }

  /** A work's file and metadata uploaded for `to` (asked again until both are answered). */
  async #prepared(to: Hex, name: string): Promise<Fields> {
    for (;;) {
      const prepared = await prepareWork(await this.#url(), to, randomBytes(3000), name);
      if (prepared) return prepared.fields;
      await sleep(100);
    }
  }

  /** Relays a request; returns its id, from the answer or from the refusal naming the earlier request it repeats. */
  async #relay(kind: string, path: string, body: unknown, works: Hex[]): Promise<string> {
    const answer = await this.#ask(path, { body });
    const id = (answer.json?.["id"] ?? answer.json?.["requestId"]) as string | undefined;
    if (!id) throw new Error(`${path} answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    this.acked.relays.push({ id, kind, works });
    return id;
  }

  /** Waits until a relayed request is mined; returns its status. */
  async #mined(id: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 1200; i++) {
      const answer = await this.#ask(`/api/relay/requests/${id}`);
      const status = answer.json?.["status"];
      if (status === "mined") return answer.json as Record<string, unknown>;
      if (status === "failed") throw new Error(`request ${id} failed: ${answer.json?.["error"]}`);
      await sleep(250);
    }
    throw new Error(`request ${id} was never mined`);
  }

  async #register(i: number): Promise<void> {
    const creator = newCreator();
    const fields = await this.#prepared(creator.address, `register ${i}`);
    const message = { ...fields, creator: creator.address, nonce: 0n, deadline: FAR };
    const registry = this.#chain.w.deployment.registry;
    const signature = await creator.signTypedData(registerTypedData({ chainId: CHAIN_ID, registry, message }));
    await this.#relay("register", "/api/relay/register", { message: jsonOf(message), signature }, [fields.contentHash]);
  }

  async #commitReveal(i: number): Promise<void> {
    const creator = newCreator();
    const registry = this.#chain.w.deployment.registry;
    const fields = await this.#prepared(creator.address, `commit ${i}`);
    const salt = `0x${randomBytes(32).toString("hex")}` as Hex;
    const request = {
      creator: creator.address,
      commitment: commitmentOf(creator.address, fields.contentHash, salt),
      deadline: FAR,
    };
    const commitSignature = await creator.signTypedData(
      commitRequestTypedData({ chainId: CHAIN_ID, registry, message: request }),
    );
    await this.#mined(
      await this.#relay("commit", "/api/relay/commit", { ...jsonOf(request), signature: commitSignature }, []),
    );
    const message = { ...fields, salt, creator: creator.address, nonce: 0n, deadline: FAR };
    const signature = await creator.signTypedData(revealTypedData({ chainId: CHAIN_ID, registry, message }));
    await this.#relay("reveal", "/api/relay/reveal", { message: jsonOf(message), signature }, [fields.contentHash]);
  }

  /**
   * Batched commitments of two creators anchored in one transaction; the first reveals its two leaves in one
   * transaction (reveal-batch), the second its one leaf with its proof.
   */
  async #batch(i: number): Promise<void> {
    const registry = this.#chain.w.deployment.registry;
    const [a, b] = [newCreator(), newCreator()];
    const leaves: (Leaf & { id: string })[] = [];
    for (const [j, creator] of [a, a, b].entries()) {
      const fields = await this.#prepared(creator.address, `batch ${i}.${j}`);
      const salt = `0x${randomBytes(32).toString("hex")}` as Hex;
      const request = {
        creator: creator.address,
        commitment: commitmentOf(creator.address, fields.contentHash, salt),
        deadline: FAR,
      };
      const signature = await creator.signTypedData(
        commitRequestTypedData({ chainId: CHAIN_ID, registry, message: request }),
      );
      const id = await this.#relay(
        "batched commit",
        "/api/relay/commit",
        { ...jsonOf(request), signature, batch: true },
        [],
      );
      leaves.push({ creator, fields, salt, id });
    }
    const anchored = [];
    for (const leaf of leaves)
      anchored.push((await this.#mined(leaf.id))["batch"] as { submitter: Hex; root: Hex; proof: Hex[] });
    const [first, second, third] = leaves as [(typeof leaves)[0], (typeof leaves)[0], (typeof leaves)[0]];
    const [p1, p2, p3] = anchored as [(typeof anchored)[0], (typeof anchored)[0], (typeof anchored)[0]];
    if (p1.root !== p2.root || p1.root !== p3.root) {
      // Commitments queued around a batch's window may fall into two batches: each creator's leaves then go alone.
      // The first creator's second reveal takes the nonce after its first, queued behind it.
      for (const [leaf, p, nonce] of [
        [first, p1, 0n],
        [second, p2, 1n],
        [third, p3, 0n],
      ] as const) {
        await this.#revealFromBatch(leaf, p, nonce);
      }
      return;
    }
    const message = {
      creator: a.address,
      items: [first, second].map((l) => ({ ...l.fields, salt: l.salt })),
      submitter: p1.submitter,
      root: p1.root,
      nonce: 0n,
      deadline: FAR,
    };
    const signature = await a.signTypedData(revealBatchTypedData({ chainId: CHAIN_ID, registry, message }));
    const body = {
      message: { ...jsonOf({ ...message, items: [] }), items: message.items.map((x) => jsonOf(x)) },
      proofs: [p1.proof, p2.proof],
      signature,
    };
    await this.#relay("revealBatch", "/api/relay/reveal-batch", body, [
      first.fields.contentHash,
      second.fields.contentHash,
    ]);
    await this.#revealFromBatch(third, p3, 0n);
  }

  async #revealFromBatch(leaf: Leaf, batch: { submitter: Hex; root: Hex; proof: Hex[] }, nonce: bigint): Promise<void> {
    const registry = this.#chain.w.deployment.registry;
    const message = { ...leaf.fields, salt: leaf.salt, creator: leaf.creator.address, nonce, deadline: FAR };
    const signature = await leaf.creator.signTypedData(revealTypedData({ chainId: CHAIN_ID, registry, message }));
    await this.#relay("reveal", "/api/relay/reveal", { message: jsonOf(message), signature, batch }, [
      leaf.fields.contentHash,
    ]);
  }

  /** Direct registrations with licence offers and sales (BulkActor), and transfers, sent by the test's wallets. */
  async #direct(i: number): Promise<void> {
    if (i % 5 === 4 && this.#chain.w.peerOwned.length > 0) await this.#chain.w.transfer();
    else await this.#chain.w.act(`storm ${i}`, 1 + Math.floor(this.#random() * 3));
    this.acked.direct++;
    await sleep(100);
  }
}

for (const make of [pgliteBackend, postgresBackend]) {
  const backend: Backend = make();
  const kills = make === pgliteBackend ? KILLS : Math.ceil(KILLS / 2);
  describe(`the whole server killed with SIGKILL during a storm (${backend.name})`, function () {
    this.timeout(600_000);
    let chain: Chain;
    let sys: System;

    before(async () => {
      chain = await startChain();
      const database = make === postgresBackend ? ["--database-url", await backend.target()] : [];
      sys = await System.inTemp(chain, chain.anvil.url, database);
    });

    after(async () => {
      await sys?.remove();
      await backend.cleanup();
      await chain?.stop();
    });

    it(`loses nothing acknowledged and does nothing twice over ${kills} kills at random moments`, async () => {
      const random = seeded(SEED);
      const started = Date.now();
      await sys.start();
      const storm = new Storm(sys, chain, seeded(SEED + 1));
      storm.start();
      const downtimes: number[] = [];
      try {
        for (let k = 0; k < kills; k++) {
          await sleep(300 + Math.floor(random() * 2_700));
          await sys.kill();
          const down = Date.now();
          await sleep(Math.floor(random() * 300));
          await sys.start();
          downtimes.push(Date.now() - down);
        }
        await storm.finish();
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${sys.stderr().slice(-4000)}`);
      }
      const { acked } = storm;
      console.log(
        `      ${kills} kills over ${Math.round((Date.now() - started) / 1000)} s (restarts ${Math.round(
          downtimes.reduce((a, b) => a + b, 0) / downtimes.length,
        )} ms on average): ${acked.uploads.length} uploads, ${acked.relays.length} relayed requests, ${acked.direct} direct transactions acknowledged; ${acked.interrupted} uploads cut short`,
      );
      expect(acked.surprises, acked.surprises.join("\n")).to.deep.equal([]);
      // The storm did all it was meant to, across the kills.
      expect(acked.uploads.length).to.be.greaterThan(kills);
      for (const kind of ["register", "commit", "reveal", "batched commit", "revealBatch"]) {
        expect(acked.relays.filter((r) => r.kind === kind).length, kind).to.be.greaterThan(0);
      }
      expect(acked.direct).to.be.greaterThan(kills / 2);
      expect(acked.interrupted, "uploads cut short by a kill").to.be.greaterThan(0);

      // Every relayed request acknowledged is mined; the relayer then has nothing left to do.
      const url = sys.url;
      for (const { id } of acked.relays) {
        const status = await eventually(`request ${id} mined`, 120_000, async () => {
          const s = (await call(url, `/api/relay/requests/${id}`))?.json;
          return s?.["status"] === "mined" || s?.["status"] === "failed" ? s : undefined;
        });
        expect(status["status"], `${id}: ${status["error"]}`).to.equal("mined");
      }
      await eventually("an empty relay queue", 60_000, async () => {
        const relay = (await call(url, "/api/relay"))?.json;
        return relay?.["queued"] === 0 && relay["submitted"] === 0 ? true : undefined;
      });
      // Every acknowledged upload is there, byte for byte.
      for (const { cid, bytes } of acked.uploads) {
        const file = await call(url, `/ipfs/${cid}`);
        expect(file?.status, cid).to.equal(200);
        expect(Buffer.from(file?.bytes ?? []).equals(bytes), `${cid}'s bytes`).to.equal(true);
      }
      // The mirror reaches the chain's head and says so.
      const head = await chainHead(chain.anvil.url);
      await eventually("the mirror at the head", 120_000, async () => {
        const ready = await call(url, "/ready");
        return ready?.status === 200 && ready.json?.["syncedBlock"] === head.toString() ? true : undefined;
      });
      expect(await sys.stop()).to.equal(0);

      // The relayer's transactions on the chain are exactly the requests' transactions: one nonce each, none lost,
      // none sent twice, none reverted.
      const sent = await transactionsFrom(chain.anvil.url, chain.relayer, chain.w.deployment.startBlock);
      expect(sent.map((t) => t.nonce)).to.deep.equal(sent.map((_, i) => i));
      const db = await openDatabase(
        make === postgresBackend ? { databaseUrl: await backend.target() } : { dataDir: sys.dataDir },
      );
      try {
        const rows = await db.query<{
          id: string;
          kind: string;
          status: string;
          relayer_nonce: string | null;
          tx_hash: string | null;
        }>("select id, kind, status, relayer_nonce::text, tx_hash from relay_requests where chain_id = $1", [CHAIN_ID]);
        const own = rows.filter((r) => r.relayer_nonce !== null);
        expect(own.map((r) => Number(r.relayer_nonce)).sort((a, b) => a - b)).to.deep.equal(sent.map((t) => t.nonce));
        expect(new Set(own.map((r) => r.tx_hash))).to.deep.equal(new Set(sent.map((t) => t.hash)));
        expect(rows.filter((r) => r.status !== "mined").map((r) => `${r.kind} ${r.status}`)).to.deep.equal([]);
        for (const t of sent) {
          const receipt = await chain.w.client.getTransactionReceipt({ hash: t.hash });
          expect(receipt.status, t.hash).to.equal("success");
        }
        // Each relayed work registered once, by one mined request.
        const works = acked.relays.flatMap((r) => r.works);
        const once = await db.query<{ n: number }>(
          "select count(*)::int as n from works where chain_id = $1 and work_id = any($2::numeric[])",
          [CHAIN_ID, [...new Set(works)].map((h) => BigInt(h).toString())],
        );
        expect(once[0]?.n).to.equal(new Set(works).size);

        // Every confirmed event indexed once, and the mirror equal to a fresh sync from the chain.
        const mirror = await dump(db);
        const logs = await chain.w.logs(head);
        expect(mirror["events"]).to.have.length(logs.length);
        expect(chainFacts(mirror)).to.deep.equal(chainFacts(await freshSync(make, chain.w, head)));
        // And the metadata of every relayed work, uploaded through the API before it was relayed, was read.
        const read = await db.query<{ status: string; n: number }>(
          "select metadata_status as status, count(*)::int as n from works where chain_id = $1 and work_id = " +
            "any($2::numeric[]) group by metadata_status",
          [CHAIN_ID, [...new Set(works)].map((h) => BigInt(h).toString())],
        );
        expect(read).to.deep.equal([{ status: "ok", n: new Set(works).size }]);
      } finally {
        await db.close();
      }
      await sys.start(); // the data directory is still good for a normal start after all this
      expect(await sys.stop()).to.equal(0);
    });
  });
}
