// The whole server while its storage fails under it: PostgreSQL stopped and started again mid-traffic, and the content
// store's disk full. Answers are 503 with a retry hint, nothing is half-written, and it recovers by itself.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chown, mkdir, mkdtemp, open, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import pg from "pg";
import type { Hex } from "viem";
import { registerTypedData } from "../../core/eip712.ts";
import { openDatabase } from "../../server/db/database.ts";
import type { Backend } from "../db/backends.ts";
import { freePort } from "../indexer/chain.ts";
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
} from "./system.ts";

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BIN = "/usr/lib/postgresql/15/bin";
const isRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program as the `postgres` user when we are root (initdb refuses root), else as ourselves. */
const asPostgres = (program: string, args: string[]) =>
  isRoot ? run("runuser", ["-u", "postgres", "--", join(BIN, program), ...args]) : run(join(BIN, program), args);

/** A PostgreSQL server of this test's own (never the machine's), in a temporary directory on a free port. */
async function privatePostgres() {
  const dir = await mkdtemp(join(tmpdir(), "titlechain-pg-"));
  if (isRoot)
    await chown(
      dir,
      Number((await run("id", ["-u", "postgres"])).stdout),
      Number((await run("id", ["-g", "postgres"])).stdout),
    );
  const data = join(dir, "data");
  await asPostgres("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync"]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const pgctl = (...args: string[]) => asPostgres("pg_ctl", ["-D", data, "-w", ...args]);
  const server = {
    url: (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: () => pgctl("-o", options, "-l", join(dir, "log"), "start"),
    /** Stopped as a crash would: every connection cut, no checkpoint. */
    crash: () => pgctl("-m", "immediate", "stop"),
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      await client.query(`create database ${name}`);
      await client.end();
      return server.url(name);
    },
    /** A fresh database of this server for a comparison sync. */
    backend(name: string): Backend {
      return {
        name: "PostgreSQL",
        open: async () => openDatabase({ databaseUrl: await server.createDatabase(name) }),
        target: async () => server.url(name),
        cleanup: async () => undefined,
      };
    },
    async remove() {
      await pgctl("-m", "immediate", "stop").catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** Every answer traffic got, by what was asked, for the checks after. */
type Answer = { what: string; status: number; retryAfter: string | null; at: number };

describe("the whole server on a PostgreSQL that is stopped and started again mid-traffic", function () {
  this.timeout(300_000);
  let chain: Chain;
  let sys: System;
  let postgres: Awaited<ReturnType<typeof privatePostgres>>;

  before(async function () {
    if (!existsSync(join(BIN, "initdb"))) this.skip(); // no PostgreSQL 15 binaries on this machine
    postgres = await privatePostgres();
    chain = await startChain();
    sys = await System.inTemp(chain, chain.anvil.url, ["--database-url", await postgres.createDatabase("titlechain")]);
  });

  after(async () => {
    await sys?.remove();
    await postgres?.remove();
    await chain?.stop();
  });

  // The writing roles pause while their lock's connection is gone and take it again when the database answers
  // (server/db/leader.ts's holdRole); a route whose database is away answers 503 DatabaseUnavailable.
  it("answers 503 with Retry-After while it is down, half-writes nothing, and recovers without a restart", async () => {
    await sys.start();
    const url = sys.url;
    const answers: Answer[] = [];
    const uploads: { cid: string; bytes: Buffer }[] = [];
    const relays: { id: string; work: Hex }[] = [];
    let on = true;
    const silent: string[] = [];
    const note = (what: string, a: Awaited<ReturnType<typeof call>>) => {
      if (!a) {
        silent.push(what);
        return { status: 0, json: null, headers: new Headers(), bytes: new Uint8Array() };
      }
      answers.push({ what, status: a.status, retryAfter: a.headers.get("retry-after"), at: Date.now() });
      return a;
    };
    // Works whose files and metadata are stored, for relay requests to be sent while the database is away.
    const ready: {
      creator: ReturnType<typeof newCreator>;
      prepared: NonNullable<Awaited<ReturnType<typeof prepareWork>>>;
    }[] = [];
    for (let i = 0; i < 60; i++) {
      const creator = newCreator();
      const prepared = await prepareWork(url, creator.address, randomBytes(2000), "storage");
      if (prepared) ready.push({ creator, prepared });
    }
    const loops = [
      (async () => {
        while (on) {
          const bytes = randomBytes(50_000);
          const a = note("upload", await call(url, "/api/files", { raw: bytes }));
          if (a.status === 200) uploads.push({ cid: a.json?.["cid"] as string, bytes });
        }
      })(),
      (async () => {
        while (on) {
          // The file and its metadata are stored first; an upload is recorded in the database too, so while it is
          // away the request is made for one of the works stored ahead, before the outage.
          let creator = newCreator();
          let prepared = await prepareWork(url, creator.address, randomBytes(2000), "storage");
          if (!prepared) {
            const next = ready.shift();
            if (!next) {
              await sleep(100);
              continue;
            }
            ({ creator, prepared } = next);
          }
          const message = { ...prepared.fields, creator: creator.address, nonce: 0n, deadline: FAR };
          const signature = await creator.signTypedData(
            registerTypedData({ chainId: CHAIN_ID, registry: chain.w.deployment.registry, message }),
          );
          const a = note(
            "relay",
            await call(url, "/api/relay/register", { body: { message: jsonOf(message), signature } }),
          );
          if (a.status === 202) relays.push({ id: a.json?.["id"] as string, work: prepared.fields.contentHash });
        }
      })(),
      (async () => {
        while (on) {
          note("works", await call(url, "/api/works?limit=5"));
          await sleep(50);
        }
      })(),
      // The chain goes on: the indexer has blocks to write while the database is away.
      (async () => {
        for (let i = 0; on; i++) await chain.w.act(`storage ${i}`, 2).catch(() => sleep(100));
      })(),
    ];
    // However the test ends, the traffic stops (a loop left running would keep the test process alive).
    const stopTraffic = async () => {
      on = false;
      await Promise.all(loops);
    };
    try {
      await sleep(2_000);
      const crashed = Date.now();
      await postgres.crash();
      await sleep(1_000);
      const readiness = await call(url, "/ready");
      await sleep(3_000);
      const restarted = Date.now();
      await postgres.start();
      // Recovery without a restart: the same process answers again.
      let lastReady: unknown;
      await eventually("the server ready again", 60_000, async () => {
        const answer = await call(url, "/ready");
        lastReady = answer?.json;
        return answer?.status === 200 ? true : undefined;
      }).catch((error: Error) => {
        throw new Error(`${error.message}: /ready said ${JSON.stringify(lastReady)}; ${sys.stderr().slice(-1500)}`);
      });
      const recovered = Date.now();
      await sleep(1_000);
      await stopTraffic();
      expect(silent, `requests the server did not answer: ${sys.stderr().slice(-1000)}`).to.deep.equal([]);
      expect(sys.running && sys.url).to.equal(url);

      expect(readiness?.status, JSON.stringify(readiness?.json)).to.equal(503);
      expect(readiness?.json?.["reasons"]).to.include("the database does not answer");
      expect(readiness?.headers.get("retry-after")).to.match(/^\d+$/);
      const during = answers.filter((a) => a.at > crashed && a.at < restarted);
      const refused = during.filter((a) => a.status >= 500);
      expect(refused.length, "answers refused while PostgreSQL was down").to.be.greaterThan(5);
      // Every failure a 503 with its hint, never a 500; and the same kinds of requests succeed again after.
      const bad = answers.filter((a) => a.status >= 500 && (a.status !== 503 || !/^\d+$/.test(a.retryAfter ?? "")));
      expect(bad.map((a) => `${a.what} ${a.status}`)).to.deep.equal([]);
      for (const what of ["upload", "relay", "works"]) {
        expect(
          answers.some((a) => a.what === what && a.at > recovered && a.status < 300),
          what,
        ).to.equal(true);
        expect(
          refused.some((a) => a.what === what),
          `${what} refused while down`,
        ).to.equal(true);
      }

      // Nothing acknowledged lost; nothing recorded that is not whole.
      for (const { id } of relays) {
        const status = await eventually(`request ${id} mined`, 60_000, async () => {
          const s = (await call(url, `/api/relay/requests/${id}`))?.json;
          return s?.["status"] === "mined" || s?.["status"] === "failed" ? s : undefined;
        });
        expect(status["status"], String(status["error"])).to.equal("mined");
      }
      for (const { cid, bytes } of uploads) {
        const file = await call(url, `/ipfs/${cid}`);
        expect(Buffer.from(file?.bytes ?? []).equals(bytes), cid).to.equal(true);
      }
      const head = await chainHead(chain.anvil.url);
      await eventually("the mirror at the head", 60_000, async () =>
        (await call(url, "/ready"))?.json?.["syncedBlock"] === head.toString() ? true : undefined,
      );
      expect(await sys.stop()).to.equal(0);
      const db = await openDatabase({ databaseUrl: postgres.url("titlechain") });
      try {
        const rows = await db.query<{ id: string }>("select id from relay_requests");
        const relayRefusals = answers.filter((a) => a.what === "relay" && a.status >= 500).length;
        expect(rows.map((r) => r.id)).to.include.members(relays.map((r) => r.id));
        expect(rows.length).to.be.at.most(relays.length + relayRefusals);
        const recorded = await db.query<{ cid: string; size: string }>("select cid, size::text from uploads");
        await sys.start();
        for (const row of recorded) {
          const file = await call(sys.url, `/ipfs/${row.cid}`);
          expect(file?.status, row.cid).to.equal(200);
          expect(file?.bytes.length).to.equal(Number(row.size));
        }
        expect(await sys.stop()).to.equal(0);
        expect(chainFacts(await dump(db))).to.deep.equal(
          chainFacts(await freshSync(() => postgres.backend("fresh_sync"), chain.w, head)),
        );
      } finally {
        await db.close();
      }
    } finally {
      on = false;
    }
  });
});

describe("the whole server with its content store's disk full", function () {
  this.timeout(180_000);
  let chain: Chain;
  let sys: System;
  let store: string;

  before(async function () {
    chain = await startChain();
    sys = await System.inTemp(chain, chain.anvil.url);
    store = join(sys.dataDir, "ipfs");
    await mkdir(store, { recursive: true });
    try {
      await run("mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", store]);
    } catch {
      this.skip(); // mounting a small disk needs root (or CAP_SYS_ADMIN)
    }
  });

  after(async () => {
    if (sys?.running) await sys.kill();
    if (store) await run("umount", [store]).catch(() => undefined);
    await sys?.remove();
    await chain?.stop();
  });

  /** Fills the disk to its last byte with a file of its own; returns the file. */
  const fill = async () => {
    const filler = join(store, "filler");
    const file = await open(filler, "w");
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) await file.write(chunk);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).to.equal("ENOSPC");
    }
    for (let size = 4096; size >= 1; size /= 2) {
      try {
        for (;;) await file.write(Buffer.alloc(size, 1));
      } catch {
        // full at this size: try smaller
      }
    }
    await file.close();
    return filler;
  };
  const files = async () => {
    const list: string[] = [];
    const walk = async (dir: string) => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) await walk(join(dir, entry.name));
        else if (entry.name !== "filler") list.push(join(dir, entry.name).slice(store.length));
      }
    };
    await walk(store);
    return list.sort();
  };

  /** The answer to the upload the full disk refused, for the second test. */
  let refused: Awaited<ReturnType<typeof call>> = null;

  it("refuses an upload on a full disk leaving no partial block, serves what it has, and takes it once space is freed", async () => {
    await sys.start();
    const url = sys.url;
    const first = randomBytes(1_000_000);
    const stored = await call(url, "/api/files", { raw: first });
    expect(stored?.status).to.equal(200);
    const before = await files();
    const pins = await readFile(join(store, (await readdir(store)).find((n) => n.startsWith("pin")) ?? "none")).catch(
      () => null,
    );
    const filler = await fill();

    const second = randomBytes(2_000_000);
    refused = await call(url, "/api/files", { raw: second });
    expect(refused?.status, "an answer").to.be.at.least(400);
    // Nothing of the refused upload stays: no pack, no temporary file, no line in the pin log.
    expect(await files()).to.deep.equal(before);
    if (pins) {
      const name = (await readdir(store)).find((n) => n.startsWith("pin")) as string;
      expect((await readFile(join(store, name))).equals(pins)).to.equal(true);
    }
    // What was stored before is still served, and the server still answers.
    const again = await call(url, `/ipfs/${stored?.json?.["cid"]}`);
    expect(Buffer.from(again?.bytes ?? []).equals(first)).to.equal(true);
    expect((await call(url, "/health"))?.status).to.equal(200);

    await rm(filler);
    const retried = await call(url, "/api/files", { raw: second });
    expect(retried?.status, JSON.stringify(retried?.json)).to.equal(200);
    const back = await call(url, `/ipfs/${retried?.json?.["cid"]}`);
    expect(Buffer.from(back?.bytes ?? []).equals(second)).to.equal(true);
    expect(await sys.stop()).to.equal(0);
  });

  // A full disk is 503 StorageFull with Retry-After (server/api/errors.ts), as the database's absence is.
  it("tells the client of a full disk to come back: 503 or 507 with Retry-After", () => {
    expect(refused?.status, JSON.stringify(refused?.json)).to.be.oneOf([503, 507]);
    expect(refused?.headers.get("retry-after")).to.match(/^\d+$/);
  });
});
