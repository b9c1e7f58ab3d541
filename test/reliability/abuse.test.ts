// Relay abuse against the whole server process: concurrent replays, duplicates, hostile signatures, quota races and two
// processes sharing one relayer key, each judged on chain (the relayer's nonce and balance, the registry's works).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { type Address, createPublicClient, type Hex, http, type PublicClient } from "viem";
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { cidToHex } from "../../core/cid.ts";
import { commitRequestTypedData, type RegisterMessage, registerTypedData } from "../../core/eip712.ts";
import { buildWorkMetadata } from "../../core/metadata.ts";
import { provenanceRegistryAbi } from "../../types/abi/index.js";
import { RELAYER_KEY } from "../api/fixture.ts";
import { postgresBackend } from "../db/backends.ts";
import { type Anvil, startAnvil } from "../indexer/chain.ts";
import { type Server, startServer } from "../stack/server.ts";
import { type System, startSystem } from "./load-server.ts";

const FAR = 2n ** 40n;
/** Anvil's first default account: deploys the contracts of the shared-database test. */
const DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80" as const;

type Deployment = { chainId: number; registry: Address; ledger: Address };
type Status = { status: string; error: string | null; transactionHash: Hex | null };
type Reply = { status: number; body: Record<string, unknown> };

/** A JSON POST; the answer's status and body. */
async function post(base: string, path: string, body: unknown): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const get = async <T>(base: string, path: string): Promise<T> => (await (await fetch(`${base}${path}`)).json()) as T;

/** A fresh file and its metadata stored through the API; the registration fields naming them for `to`. */
async function prepared(base: string, to: Address) {
  const upload = await fetch(`${base}/api/files`, { method: "POST", body: randomBytes(1500) });
  const file = (await upload.json()) as { sha256: Hex; cid: string; size: number; mediaType: string };
  const metadata = buildWorkMetadata({
    name: "扎染 Tie-dye",
    description: "Indigo on cotton.",
    i18n: { zh: { name: "扎染" }, en: { name: "Tie-dye" } },
    creator: [{ "@type": "Person", name: "Artisan" }],
    dateCreated: "2025-03",
    content: { sha256: file.sha256, cid: file.cid, size: file.size, mediaType: file.mediaType },
  });
  const stored = await post(base, "/api/metadata", metadata);
  return {
    to,
    contentHash: file.sha256,
    metadataCid: cidToHex(stored.body["cid"] as string),
    royaltyReceiver: to,
    royaltyBps: 500,
    parents: [] as bigint[],
  };
}

/** The chain as the relay's judge: the relayer's nonce and balance, a work's creator, a request's settling. */
function judge(chainUrl: string, d: Deployment, relayer: Address) {
  const chain = createPublicClient({ transport: http(chainUrl) }) as PublicClient;
  return {
    chain,
    relayer: async () => ({
      nonce: await chain.getTransactionCount({ address: relayer }),
      balance: await chain.getBalance({ address: relayer }),
    }),
    creatorOf: async (contentHash: Hex) => {
      const work = (await chain.readContract({
        address: d.registry,
        abi: provenanceRegistryAbi,
        functionName: "workOf",
        args: [BigInt(contentHash)],
      })) as { creator: Address };
      return work.creator.toLowerCase();
    },
    nonceOf: (creator: Address) =>
      chain.readContract({
        address: d.registry,
        abi: provenanceRegistryAbi,
        functionName: "nonces",
        args: [creator],
      }) as Promise<bigint>,
    /** The fee a mined transaction cost its sender. */
    feeOf: async (hash: Hex) => {
      const receipt = await chain.getTransactionReceipt({ hash });
      return receipt.gasUsed * receipt.effectiveGasPrice;
    },
  };
}

/** Polls a request on `base` until mined or failed (the relayer runs twice a second). */
async function settled(base: string, id: string, tries = 600): Promise<Status> {
  for (let i = 0; i < tries; i++) {
    const s = await get<Status>(base, `/api/relay/requests/${id}`);
    if (s.status === "mined" || s.status === "failed") return s;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`relay request ${id} did not settle`);
}

/** Waits until the relayer has nothing queued or submitted. */
async function drained(base: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const r = await get<{ queued: number; submitted: number }>(base, "/api/relay");
    if (r.queued === 0 && r.submitted === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the relay queue did not drain");
}

const signRegister = (creator: PrivateKeyAccount, d: Deployment, message: RegisterMessage, chainId = d.chainId) =>
  creator.signTypedData(registerTypedData({ chainId, registry: d.registry, message }));

const counts = (replies: Reply[]) => {
  const by = new Map<number, number>();
  for (const r of replies) by.set(r.status, (by.get(r.status) ?? 0) + 1);
  return Object.fromEntries(by);
};

describe("relay abuse against the whole server (embedded chain, PGlite)", function () {
  this.timeout(240_000);
  const QUOTA = 5;
  let sys: System;
  let d: Deployment;
  let j: ReturnType<typeof judge>;
  let base: string;
  /** A request mined by the first test, replayed by a later one. */
  let minedBody: unknown;

  before(async () => {
    sys = await startSystem("abuse", ["--relay-creator-quota", String(QUOTA)]);
    base = sys.url;
    d = await get<Deployment>(base, "/api/deployment");
    j = judge(sys.server.chainUrl, d, (await get<{ address: Address }>(base, "/api/relay")).address);
  });
  after(async () => {
    await sys?.stop();
  });

  it("takes one signed registration posted 20 times at once once: one transaction, its fee paid once, one work", async () => {
    const creator = privateKeyToAccount(generatePrivateKey());
    const r = await prepared(base, creator.address);
    const message = { ...r, creator: creator.address, nonce: 0n, deadline: FAR };
    const body = { message, signature: await signRegister(creator, d, message) };
    const before = await j.relayer();
    const replies = await Promise.all(Array.from({ length: 20 }, () => post(base, "/api/relay/register", body)));
    const accepted = replies.filter((x) => x.status === 202);
    expect(accepted.length, JSON.stringify(counts(replies))).to.equal(1);
    // The others: already being relayed (409), or, once it is mined, refused as a replay (422).
    for (const x of replies.filter((y) => y.status !== 202))
      expect(x.status, JSON.stringify(x.body)).to.be.oneOf([409, 422]);
    const status = await settled(base, accepted[0]?.body["id"] as string);
    expect(status.status, status.error ?? "").to.equal("mined");
    await drained(base);
    const after = await j.relayer();
    expect(after.nonce - before.nonce, "transactions sent").to.equal(1);
    expect(before.balance - after.balance, "gas paid").to.equal(await j.feeOf(status.transactionHash as Hex));
    expect(await j.creatorOf(r.contentHash)).to.equal(creator.address.toLowerCase());
    expect(await j.nonceOf(creator.address)).to.equal(1n);
    minedBody = body;
  });

  it("registers a file sent twice at once (one signer with two nonces, and another signer) once, in one transaction", async () => {
    const creator = privateKeyToAccount(generatePrivateKey());
    const rival = privateKeyToAccount(generatePrivateKey());
    const r = await prepared(base, creator.address);
    const m0 = { ...r, creator: creator.address, nonce: 0n, deadline: FAR };
    const m1 = { ...r, creator: creator.address, nonce: 1n, deadline: FAR };
    const mr = {
      ...r,
      to: rival.address,
      royaltyReceiver: rival.address,
      creator: rival.address,
      nonce: 0n,
      deadline: FAR,
    };
    const bodies = [
      { message: m0, signature: await signRegister(creator, d, m0) },
      { message: m1, signature: await signRegister(creator, d, m1) },
      { message: mr, signature: await signRegister(rival, d, mr) },
    ];
    const before = await j.relayer();
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) => post(base, "/api/relay/register", bodies[i % 3])),
    );
    const accepted = replies.filter((x) => x.status === 202);
    expect(accepted.length, JSON.stringify(counts(replies))).to.be.at.least(1);
    for (const x of replies.filter((y) => y.status !== 202))
      expect(x.status, JSON.stringify(x.body)).to.be.oneOf([409, 422]);
    const statuses = await Promise.all(accepted.map((a) => settled(base, a.body["id"] as string)));
    await drained(base);
    expect(statuses.filter((s) => s.status === "mined").length, JSON.stringify(statuses)).to.equal(1);
    const after = await j.relayer();
    expect(after.nonce - before.nonce, "transactions sent").to.equal(1);
    const mined = statuses.find((s) => s.status === "mined") as Status;
    expect(before.balance - after.balance, "gas paid").to.equal(await j.feeOf(mined.transactionHash as Hex));
    const registrant = await j.creatorOf(r.contentHash);
    expect([creator.address.toLowerCase(), rival.address.toLowerCase()]).to.include(registrant);
    expect((await j.nonceOf(creator.address)) + (await j.nonceOf(rival.address)), "signatures spent").to.equal(1n);
  });

  it("refuses 40 concurrent forged, tampered, expired, cross-chain, other-contract and replayed requests without gas", async () => {
    const creator = privateKeyToAccount(generatePrivateKey());
    const forger = privateKeyToAccount(generatePrivateKey());
    const r = await prepared(base, creator.address);
    const message = { ...r, creator: creator.address, nonce: 0n, deadline: FAR };
    const typed = (m: RegisterMessage, chainId = d.chainId, registry = d.registry) =>
      creator.signTypedData(registerTypedData({ chainId, registry, message: m }));
    const good = await typed(message);
    const expired = { ...message, deadline: BigInt(Math.floor(Date.now() / 1000) + 30) };
    const cases: [string, unknown][] = [
      [
        "forged",
        {
          message,
          signature: await forger.signTypedData(
            registerTypedData({ chainId: d.chainId, registry: d.registry, message }),
          ),
        },
      ],
      ["tampered after signing", { message: { ...message, royaltyBps: 10_000 }, signature: good }],
      ["given to someone else after signing", { message: { ...message, to: forger.address }, signature: good }],
      ["expired", { message: expired, signature: await typed(expired) }],
      ["cross-chain", { message, signature: await typed(message, 1) }],
      ["signed for another contract", { message, signature: await typed(message, d.chainId, d.ledger) }],
      ["a signature of zeros", { message, signature: `0x${"00".repeat(65)}` }],
      ["replayed after it was mined", minedBody],
    ];
    const before = await j.relayer();
    const replies = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const [what, body] = cases[i % cases.length] as [string, unknown];
        return { what, reply: await post(base, "/api/relay/register", body) };
      }),
    );
    for (const { what, reply } of replies) {
      expect(reply.status, `${what}: ${JSON.stringify(reply.body)}`).to.be.within(400, 499);
      expect(reply.body["code"], what).to.be.oneOf(["InvalidSignature", "SignatureExpired", "WouldRevert"]);
    }
    await new Promise((resolve) => setTimeout(resolve, 1500)); // two relayer rounds
    expect(await j.relayer(), "nothing sent, nothing paid").to.deep.equal(before);
    expect(await j.nonceOf(creator.address)).to.equal(0n);
  });

  // The quotas are counted and the request written in one transaction under a lock (Relayer.enqueue): counted apart
  // from the insert, 15 requests at once all passed a quota of 5, and all 15 were sent.
  it(`holds a creator to the quota of ${QUOTA} when 15 requests arrive at once`, async () => {
    const greedy = privateKeyToAccount(generatePrivateKey());
    const bodies = await Promise.all(
      Array.from({ length: 15 }, async () => {
        const request = {
          creator: greedy.address,
          commitment: `0x${randomBytes(32).toString("hex")}` as Hex,
          deadline: FAR,
        };
        const signature = await greedy.signTypedData(
          commitRequestTypedData({ chainId: d.chainId, registry: d.registry, message: request }),
        );
        return { ...request, signature };
      }),
    );
    const before = await j.relayer();
    const replies = await Promise.all(bodies.map((b) => post(base, "/api/relay/commit", b)));
    await drained(base);
    const after = await j.relayer();
    expect(counts(replies), "202 accepted, 429 over the quota").to.deep.equal({ 202: QUOTA, 429: 15 - QUOTA });
    expect(after.nonce - before.nonce, "transactions sent").to.equal(QUOTA);
  });
});

describe("two server processes sharing one PostgreSQL database and one relayer key", function () {
  this.timeout(300_000);
  const backend = postgresBackend();
  const id = `test-reliability-abuse-${process.pid}`;
  let anvil: Anvil;
  let dir: string;
  const servers: Server[] = [];

  before(async () => {
    anvil = await startAnvil();
    dir = await mkdtemp(join(tmpdir(), "titlechain-abuse-pg-"));
    await promisify(execFile)(
      process.execPath,
      ["scripts/deploy.ts", "--out", join(dir, "deployment.json"), "--id", id],
      {
        env: { ...process.env, TITLECHAIN_RPC_URL: anvil.url, TITLECHAIN_DEPLOYER_KEY: DEPLOYER_KEY },
      },
    );
    await writeFile(join(dir, "relayer.key"), `${RELAYER_KEY}\n`, { mode: 0o600 });
  });
  after(async () => {
    for (const s of servers) if (s.process.exitCode === null) s.process.kill("SIGKILL");
    await Promise.all(servers.map((s) => s.exit));
    await backend.cleanup();
    await anvil?.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(join("ignition/deployments", id), { recursive: true, force: true });
  });

  const start = async (name: string) => {
    const server = await startServer(join(dir, name), [
      ...["--rpc-url", anvil.url, "--deployment", join(dir, "deployment.json")],
      ...["--database-url", await backend.target(), "--relayer-key-file", join(dir, "relayer.key")],
    ]);
    servers.push(server);
    return server;
  };

  it("relays what either process accepts, the same request sent to both at once and across the relayer's death, each once", async () => {
    const [a, b] = [await start("a"), await start("b")];
    const d = JSON.parse(await readFile(join(dir, "deployment.json"), "utf8")) as Deployment;
    const j = judge(anvil.url, d, privateKeyToAccount(RELAYER_KEY).address);
    const creators = Array.from({ length: 8 }, () => privateKeyToAccount(generatePrivateKey()));
    const bodies = await Promise.all(
      creators.map(async (creator) => {
        const message = {
          ...(await prepared(a.url, creator.address)),
          creator: creator.address,
          nonce: 0n,
          deadline: FAR,
        };
        return { message, signature: await signRegister(creator, d, message) };
      }),
    );
    const before = await j.relayer();
    const send = (half: typeof bodies) =>
      Promise.all(
        half.flatMap((body) =>
          // A request to the process being killed may get no answer at all (status 0).
          [a, b].map(async (s) => ({
            s,
            r: await post(s.url, "/api/relay/register", body).catch(() => ({ status: 0, body: {} })),
          })),
        ),
      );
    const first = await send(bodies.slice(0, 4));
    // The process that relays dies, by SIGKILL, with the second half arriving.
    const leader = [a, b].find((s) => /this process is the relayer/.test(s.stderr())) as Server;
    expect(leader, "one of the two leads the relay").to.not.equal(undefined);
    const standby = leader === a ? b : a;
    const second = send(bodies.slice(4));
    leader.process.kill("SIGKILL");
    await leader.exit;
    const replies = [...first, ...(await second)];
    // Each request: accepted by exactly one process (or by none when the dying one took it with it), refused by the other.
    for (let i = 0; i < bodies.length; i++) {
      const pair = replies.slice(i * 2, i * 2 + 2);
      const statuses = pair.map((p) => p.r.status);
      expect(
        statuses.filter((s) => s === 202).length,
        `request ${i}: ${JSON.stringify(pair.map((p) => p.r))}`,
      ).to.be.at.most(1);
    }
    // Whatever was refused or lost with the dead process is sent again to the survivor, as a client would.
    for (const body of bodies) {
      const again = await post(standby.url, "/api/relay/register", body);
      expect(again.status, JSON.stringify(again.body)).to.be.oneOf([202, 409, 422]);
    }
    await drained(standby.url);
    for (let i = 0; i < 300 && !/this process is the relayer/.test(standby.stderr()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(standby.stderr()).to.match(/this process is the relayer/);
    const after = await j.relayer();
    for (const [i, creator] of creators.entries()) {
      expect(await j.creatorOf(bodies[i]?.message.contentHash as Hex), `work ${i}`).to.equal(
        creator.address.toLowerCase(),
      );
      expect(await j.nonceOf(creator.address), `creator ${i}'s signatures spent`).to.equal(1n);
    }
    expect(after.nonce - before.nonce, "one transaction per request").to.equal(creators.length);
  });
});
