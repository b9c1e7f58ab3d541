// The gasless relay through the API on a real chain: register, commit then reveal, refusals that spend no gas, and a
// relayer restarted with a transaction the node lost.
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { cidToHex } from "../../core/cid.ts";
import { batchLeafOf, commitmentOf } from "../../core/commitment.ts";
import { commitRequestTypedData, registerTypedData, revealBatchTypedData, revealTypedData } from "../../core/eip712.ts";
import { processMerkleProof } from "../../core/merkle.ts";
import { buildWorkMetadata } from "../../core/metadata.ts";
import { Relayer } from "../../server/relayer/relayer.ts";
import { provenanceRegistryAbi } from "../../types/abi/index.js";
import { pgliteBackend, postgresBackend } from "../db/backends.ts";
import { rpcCall } from "../indexer/chain.ts";
import { CHAIN_ID } from "../indexer/mirror.ts";
import { type ApiFixture, apiFixture, RELAYER_KEY } from "./fixture.ts";

const FAR = 2n ** 40n;

for (const make of [pgliteBackend, postgresBackend]) {
  const backend = make();
  describe(`the gasless relay on anvil and ${backend.name}`, function () {
    this.timeout(180_000);
    let f: ApiFixture;
    const artisan = privateKeyToAccount(generatePrivateKey());

    before(async () => {
      f = await apiFixture(
        backend,
        {},
        { quotas: { perCreatorPerDay: 8, perIpPerHour: 1000 }, batch: { maxLeaves: 256, windowMs: 0 } },
      );
    });
    after(async () => {
      await f?.close();
    });

    const post = (url: string, payload: unknown, ip = "203.0.113.7") =>
      f.app.inject({ method: "POST", url, payload: payload as object, remoteAddress: ip });
    /** The creator's next registry nonce. */
    const nonceOf = async (creator: Address) =>
      (await f.pub.readContract({
        address: f.d.registry,
        abi: provenanceRegistryAbi,
        functionName: "nonces",
        args: [creator],
      })) as bigint;
    const relayerNonce = () => f.pub.getTransactionCount({ address: privateKeyToAccount(RELAYER_KEY).address });
    /** Runs the relayer until the request settles; returns its status. */
    const settle = async (id: string) => {
      for (let i = 0; i < 50; i++) {
        await f.relayer?.runOnce();
        const status = (await f.app.inject({ method: "GET", url: `/api/relay/requests/${id}` })).json() as {
          status: string;
          error: string | null;
          transactionHash: string | null;
        };
        if (status.status === "mined" || status.status === "failed") return status;
      }
      throw new Error(
        `request ${id} did not settle: ${JSON.stringify((await f.app.inject({ method: "GET", url: `/api/relay/requests/${id}` })).json())}`,
      );
    };

    /** A file uploaded with its metadata; the registration fields for it. */
    const prepared = async (to: Address) => {
      const bytes = randomBytes(2000);
      const file = (await post("/api/files", bytes)).json() as {
        sha256: Hex;
        cid: string;
        size: number;
        mediaType: string;
      };
      const metadata = buildWorkMetadata({
        name: "蜡染 Batik",
        description: "Blue and white.",
        i18n: { zh: { name: "蜡染" }, en: { name: "Batik" } },
        creator: [{ "@type": "Person", name: "Artisan" }],
        dateCreated: "2024-05",
        content: { sha256: file.sha256, cid: file.cid, size: file.size, mediaType: file.mediaType },
      });
      const { cid } = (await post("/api/metadata", metadata)).json() as { cid: string };
      return {
        to,
        contentHash: file.sha256,
        metadataCid: cidToHex(cid),
        royaltyReceiver: to,
        royaltyBps: 500,
        parents: [] as bigint[],
      };
    };
    const json = (m: Record<string, unknown>) =>
      JSON.parse(JSON.stringify(m, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) as Record<string, unknown>;

    /** Relays a reveal until it is mined; the work is then the creator's, registered at `at` (Unix seconds). */
    const revealAs = async (payload: Record<string, unknown>, contentHash: Hex, creator: Address, at: bigint) => {
      const revealed = await post("/api/relay/reveal", payload);
      expect(revealed.statusCode, revealed.body).to.equal(202);
      expect((await settle((revealed.json() as { id: string }).id)).status).to.equal("mined");
      await f.sync();
      const work = (await f.app.inject({ method: "GET", url: `/api/works/${contentHash}` })).json() as {
        registeredAt: string;
        creator: string;
      };
      expect(work.creator).to.equal(creator.toLowerCase());
      expect(work.registeredAt).to.equal(new Date(Number(at) * 1000).toISOString());
    };

    it("registers a work for a creator who holds no coin: the creator signs, the relayer pays", async () => {
      const r = await prepared(artisan.address);
      const message = { ...r, creator: artisan.address, nonce: 0n, deadline: FAR };
      const signature = await artisan.signTypedData(
        registerTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message }),
      );
      const res = await post("/api/relay/register", { message: json(message), signature });
      expect(res.statusCode, res.body).to.equal(202);
      const status = await settle((res.json() as { id: string }).id);
      expect(status.status, status.error ?? "").to.equal("mined");
      await f.sync();
      const work = (await f.app.inject({ method: "GET", url: `/api/works/${r.contentHash}` })).json() as {
        creator: string;
        owner: string;
      };
      expect(work).to.include({ creator: artisan.address.toLowerCase(), owner: artisan.address.toLowerCase() });
      expect(await f.pub.getBalance({ address: artisan.address })).to.equal(0n);
      const relay = (await f.app.inject({ method: "GET", url: "/api/relay" })).json() as {
        queued: number;
        balance: string;
      };
      expect(relay.queued).to.equal(0);
      expect(BigInt(relay.balance)).to.be.greaterThan(0n);
    });

    it("commits first and reveals later, the work registered at the commitment's time", async () => {
      const r = await prepared(artisan.address);
      const salt = `0x${randomBytes(32).toString("hex")}` as Hex;
      const commitment = commitmentOf(artisan.address, r.contentHash, salt);
      const request = { creator: artisan.address, commitment, deadline: FAR };
      const commitSignature = await artisan.signTypedData(
        commitRequestTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message: request }),
      );
      const committed = await post("/api/relay/commit", { ...json(request), signature: commitSignature });
      expect(committed.statusCode, committed.body).to.equal(202);
      expect((await settle((committed.json() as { id: string }).id)).status).to.equal("mined");
      const committedAt = (await f.pub.getBlock()).timestamp;
      await rpcCall(f.anvil.url, "evm_increaseTime", [3 * 86_400]);

      const message = { ...r, salt, creator: artisan.address, nonce: 1n, deadline: FAR };
      const signature = await artisan.signTypedData(
        revealTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message }),
      );
      await revealAs({ message: json(message), signature }, r.contentHash, artisan.address, committedAt);
    });

    it("anchors batched commitments of several creators in one transaction, and reveals one from the batch", async () => {
      type Status = {
        status: string;
        transactionHash: string | null;
        blockNumber: string | null;
        batch: { submitter: Address; root: Hex; leaf: Hex; proof: Hex[] } | null;
      };
      const status = async (id: string) =>
        (await f.app.inject({ method: "GET", url: `/api/relay/requests/${id}` })).json() as Status;
      const creators = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey()));
      const items = [];
      for (const creator of creators) {
        const r = await prepared(creator.address);
        const salt = `0x${randomBytes(32).toString("hex")}` as Hex;
        const request = {
          creator: creator.address,
          commitment: commitmentOf(creator.address, r.contentHash, salt),
          deadline: FAR,
        };
        const signature = await creator.signTypedData(
          commitRequestTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message: request }),
        );
        const res = await post("/api/relay/commit", { ...json(request), signature, batch: true });
        expect(res.statusCode, res.body).to.equal(202);
        const id = (res.json() as { id: string }).id;
        expect((await status(id)).batch, "no batch before the relayer forms it").to.equal(null);
        items.push({ creator, r, salt, id });
      }
      const before = await relayerNonce();
      const settled = [];
      for (const item of items) settled.push(await settle(item.id));
      expect(settled.map((s) => s.status)).to.deep.equal(["mined", "mined", "mined"]);
      expect(await relayerNonce(), "one transaction for the three").to.equal(before + 1);
      const statuses = await Promise.all(items.map((i) => status(i.id)));
      expect(new Set(statuses.map((s) => s.transactionHash)).size).to.equal(1);
      const root = statuses[0]?.batch?.root as Hex;
      for (const [i, s] of statuses.entries()) {
        const item = items[i] as (typeof items)[number];
        expect(s.batch?.submitter.toLowerCase()).to.equal(privateKeyToAccount(RELAYER_KEY).address.toLowerCase());
        expect(s.batch?.leaf).to.equal(batchLeafOf(item.creator.address, item.r.contentHash, item.salt));
        expect(processMerkleProof(s.batch?.leaf as Hex, s.batch?.proof ?? [])).to.equal(root);
      }
      const anchoredAt = (await f.pub.getBlock({ blockNumber: BigInt(statuses[0]?.blockNumber as string) })).timestamp;
      await rpcCall(f.anvil.url, "evm_increaseTime", [86_400]);

      const { creator, r, salt } = items[1] as (typeof items)[number];
      const batch = statuses[1]?.batch as NonNullable<Status["batch"]>;
      const message = { ...r, salt, creator: creator.address, nonce: 0n, deadline: FAR };
      const signature = await creator.signTypedData(
        revealTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message }),
      );
      const payload = {
        message: json(message),
        signature,
        batch: { submitter: batch.submitter, root: batch.root, proof: batch.proof },
      };
      await revealAs(payload, r.contentHash, creator.address, anchoredAt);
    });

    it("reveals a creator's leaves of one batch in one transaction, one signature and one nonce", async () => {
      const creator = privateKeyToAccount(generatePrivateKey());
      const items = [];
      for (let i = 0; i < 3; i++) {
        const r = await prepared(creator.address);
        const salt = `0x${randomBytes(32).toString("hex")}` as Hex;
        const request = {
          creator: creator.address,
          commitment: commitmentOf(creator.address, r.contentHash, salt),
          deadline: FAR,
        };
        const signature = await creator.signTypedData(
          commitRequestTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message: request }),
        );
        const res = await post("/api/relay/commit", { ...json(request), signature, batch: true });
        expect(res.statusCode, res.body).to.equal(202);
        items.push({ r, salt, id: (res.json() as { id: string }).id });
      }
      for (const item of items) expect((await settle(item.id)).status).to.equal("mined");
      const batches = await Promise.all(
        items.map(
          async (i) =>
            (
              (await f.app.inject({ method: "GET", url: `/api/relay/requests/${i.id}` })).json() as {
                batch: { submitter: Address; root: Hex; proof: Hex[] };
              }
            ).batch,
        ),
      );
      const { submitter, root } = batches[0] as { submitter: Address; root: Hex };
      const message = {
        creator: creator.address,
        items: items.map((i) => ({ ...i.r, salt: i.salt })),
        submitter,
        root,
        nonce: 0n,
        deadline: FAR,
      };
      const body = (signature: Hex, proofs = batches.map((b) => b?.proof ?? [])) => ({
        message: {
          ...json({ ...message, items: [] }),
          items: message.items.map((i) => json(i)),
        },
        proofs,
        signature,
      });
      const signature = await creator.signTypedData(
        revealBatchTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message }),
      );
      const uneven = await post("/api/relay/reveal-batch", body(signature, [[]]));
      expect(uneven.statusCode).to.equal(400);
      expect((uneven.json() as { field: string }).field).to.equal("proofs");
      const forger = privateKeyToAccount(generatePrivateKey());
      const forged = await post(
        "/api/relay/reveal-batch",
        body(await forger.signTypedData(revealBatchTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message }))),
      );
      expect(forged.statusCode).to.equal(422);
      expect((forged.json() as { detail: string }).detail).to.contain("InvalidSignature");
      const before = await relayerNonce();
      const res = await post("/api/relay/reveal-batch", body(signature));
      expect(res.statusCode, res.body).to.equal(202);
      const status = await settle((res.json() as { id: string }).id);
      expect(status.status, status.error ?? "").to.equal("mined");
      expect(await relayerNonce(), "one transaction for the three").to.equal(before + 1);
      expect(await nonceOf(creator.address)).to.equal(1n);
      await f.sync();
      for (const { r } of items) {
        const work = (await f.app.inject({ method: "GET", url: `/api/works/${r.contentHash}` })).json() as {
          creator: string;
        };
        expect(work.creator).to.equal(creator.address.toLowerCase());
      }
    });

    it("refuses forged, replayed, expired, cross-chain and duplicate requests without spending gas", async () => {
      const before = await relayerNonce();
      const r = await prepared(artisan.address);
      const nonce = await nonceOf(artisan.address);
      const message = { ...r, creator: artisan.address, nonce, deadline: FAR };
      const typed = registerTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message });
      const forger = privateKeyToAccount(generatePrivateKey());
      const cases: [string, Record<string, unknown>, Hex, number, string][] = [
        ["forged", message, await forger.signTypedData(typed), 422, "InvalidSignature"],
        [
          "cross-chain",
          message,
          await artisan.signTypedData(registerTypedData({ chainId: 1, registry: f.d.registry, message })),
          422,
          "InvalidSignature",
        ],
        [
          "expired",
          { ...message, deadline: 1000n },
          await artisan.signTypedData(
            registerTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message: { ...message, deadline: 1000n } }),
          ),
          422,
          "SignatureExpired",
        ],
        [
          "a nonce already used",
          { ...message, nonce: 0n },
          await artisan.signTypedData(
            registerTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message: { ...message, nonce: 0n } }),
          ),
          422,
          "InvalidNonce",
        ],
      ];
      for (const [what, m, signature, status, reason] of cases) {
        const res = await post("/api/relay/register", { message: json(m), signature });
        expect(res.statusCode, `${what}: ${res.body}`).to.equal(status);
        expect(
          (res.json() as { detail: string; code: string }).detail + (res.json() as { code: string }).code,
          what,
        ).to.match(new RegExp(reason));
      }
      // The same file twice at once: the second waits for nothing, it is refused.
      const signature = await artisan.signTypedData(typed);
      const first = await post("/api/relay/register", { message: json(message), signature });
      expect(first.statusCode, first.body).to.equal(202);
      const second = await post("/api/relay/register", { message: json(message), signature });
      expect(second.statusCode, second.body).to.equal(409);
      expect(await relayerNonce(), "no transaction sent for a refused request").to.equal(before);
      expect((await settle((first.json() as { id: string }).id)).status).to.equal("mined");
      expect(await relayerNonce()).to.equal(before + 1);
      const again = await post("/api/relay/register", { message: json(message), signature });
      expect(again.statusCode).to.equal(422);
      expect((again.json() as { detail: string }).detail).to.match(/InvalidNonce|WorkAlreadyRegistered/);
    });

    it("broadcasts the very same transaction again after a restart when the node lost it, and mines it once", async () => {
      const r = await prepared(artisan.address);
      const nonce = await nonceOf(artisan.address);
      const message = { ...r, creator: artisan.address, nonce, deadline: FAR };
      const signature = await artisan.signTypedData(
        registerTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message }),
      );
      const { id } = (await post("/api/relay/register", { message: json(message), signature })).json() as {
        id: string;
      };
      const before = await relayerNonce();
      await rpcCall(f.anvil.url, "evm_setAutomine", [false]);
      try {
        await f.relayer?.runOnce();
        const submitted = (await f.app.inject({ method: "GET", url: `/api/relay/requests/${id}` })).json() as {
          status: string;
          transactionHash: Hex;
        };
        expect(submitted.status).to.equal("submitted");
        // The node loses it (a restart, a full mempool); a new relayer process takes over.
        await rpcCall(f.anvil.url, "anvil_dropAllTransactions");
        const restarted = new Relayer({
          db: f.db,
          client: f.pub,
          chain: { chainId: CHAIN_ID, registry: f.d.registry },
          account: privateKeyToAccount(RELAYER_KEY),
        });
        await restarted.runOnce();
        await rpcCall(f.anvil.url, "evm_mine");
        await restarted.runOnce();
        const mined = await restarted.status(id);
        expect(mined?.status).to.equal("mined");
        expect(mined?.transactionHash).to.equal(submitted.transactionHash);
        expect(await relayerNonce()).to.equal(before + 1);
      } finally {
        await rpcCall(f.anvil.url, "evm_setAutomine", [true]);
      }
    });

    it("sends a registration again when a reorg takes its block away, and reports where it is mined now", async () => {
      const r = await prepared(artisan.address);
      const message = { ...r, creator: artisan.address, nonce: await nonceOf(artisan.address), deadline: FAR };
      const signature = await artisan.signTypedData(
        registerTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message }),
      );
      const { id } = (await post("/api/relay/register", { message: json(message), signature })).json() as {
        id: string;
      };
      const first = (await settle(id)) as unknown as { status: string; transactionHash: Hex; blockNumber: string };
      expect(first.status).to.equal("mined");
      const registered = () =>
        f.pub
          .readContract({
            address: f.d.registry,
            abi: provenanceRegistryAbi,
            functionName: "workOf",
            args: [BigInt(r.contentHash)],
          })
          .then((w) => (w as { registeredAt: bigint }).registeredAt !== 0n)
          .catch(() => false);
      expect(await registered()).to.equal(true);
      const before = await relayerNonce();
      // Two blocks replaced by two empty ones: the registration's block among them, its transaction gone.
      const head = await f.pub.getBlockNumber();
      expect(BigInt(first.blockNumber) >= head - 1n, "the registration is within the reorg").to.equal(true);
      await rpcCall(f.anvil.url, "anvil_reorg", [2, []]);
      expect(await registered(), "the reorg took the registration away").to.equal(false);
      const gone = (await f.pub.getTransactionReceipt({ hash: first.transactionHash }).catch(() => null)) === null;
      expect(gone, "the node no longer has the receipt").to.equal(true);
      let now = { status: "", blockNumber: "" } as { status: string; blockNumber: string | null };
      for (let i = 0; i < 20 && !(now.status === "mined" && (await registered())); i++) {
        await f.relayer?.runOnce();
        now = (await f.app.inject({ method: "GET", url: `/api/relay/requests/${id}` })).json() as typeof now;
      }
      expect(await registered(), "the registration is on the chain again").to.equal(true);
      expect(now.status).to.equal("mined");
      const receipt = await f.pub.getTransactionReceipt({ hash: first.transactionHash });
      expect(now.blockNumber, "the status names the block it is in now").to.equal(receipt.blockNumber.toString());
      expect(await relayerNonce(), "the same signed transaction, its nonce used once").to.equal(before);
      const finalOf = async () =>
        ((await f.app.inject({ method: "GET", url: `/api/relay/requests/${id}` })).json() as { final: boolean }).final;
      await f.relayer?.runOnce();
      expect(await finalOf(), "within the finality depth it is still watched").to.equal(false);
      await rpcCall(f.anvil.url, "anvil_mine", ["0x41"]);
      await f.relayer?.runOnce();
      expect(await finalOf(), "65 blocks deep it is final, no longer watched").to.equal(true);
    });

    it("stops a creator at the quota with 429 and Retry-After", async () => {
      const greedy = privateKeyToAccount(generatePrivateKey());
      let last = 0;
      for (let i = 0; i < 9; i++) {
        const commitment = `0x${randomBytes(32).toString("hex")}` as Hex;
        const request = { creator: greedy.address, commitment, deadline: FAR };
        const signature = await greedy.signTypedData(
          commitRequestTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message: request }),
        );
        const res = await post("/api/relay/commit", { ...json(request), signature });
        last = res.statusCode;
        if (i < 8) expect(res.statusCode, res.body).to.equal(202);
        else {
          expect(res.headers["retry-after"]).to.equal("3600");
          expect((res.json() as { code: string }).code).to.equal("QuotaExceeded");
        }
      }
      expect(last).to.equal(429);
    });
  });
}
