// A work with a whole chain of title for evidence tests: registered gaslessly by commit-then-reveal through the relay,
// assigned with a deed, licensed and pledged, on anvil with a local RFC 3161 TSA, the platform's key and PGlite.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createWalletClient, type Hex, http, keccak256, toHex, zeroAddress } from "viem";
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { cidToHex } from "../../core/cid.ts";
import { commitmentOf } from "../../core/commitment.ts";
import { commitRequestTypedData, revealTypedData } from "../../core/eip712.ts";
import { ALL_FIELDS, LicenceKind, termsHashOf, usesOf } from "../../core/licence.ts";
import { buildWorkMetadata } from "../../core/metadata.ts";
import { startTestTsa, type TestTsa } from "../../scripts/local-tsa.ts";
import { developmentPlatformSigner, type PlatformSigner } from "../../server/evidence/platform-key.ts";
import { licenceLedgerAbi, provenanceRegistryAbi } from "../../types/abi/index.js";
import { type ApiFixture, apiFixture } from "../api/fixture.ts";
import { pgliteBackend } from "../db/backends.ts";
import { rpcCall } from "../indexer/chain.ts";
import { CHAIN_ID } from "../indexer/mirror.ts";

const FAR = 2n ** 40n;
const json = (m: Record<string, unknown>) =>
  JSON.parse(JSON.stringify(m, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) as Record<string, unknown>;

export type EvidenceScenario = {
  f: ApiFixture;
  tsa: TestTsa;
  signer: PlatformSigner;
  artisan: PrivateKeyAccount;
  /** The design's bytes and SHA-256 (its work id). */
  file: Buffer;
  contentHash: Hex;
  close(): Promise<void>;
};

export async function evidenceScenario(): Promise<EvidenceScenario> {
  const tsa = await startTestTsa();
  const keysDir = await mkdtemp(join(tmpdir(), "titlechain-keys-"));
  const signer = await developmentPlatformSigner(keysDir);
  const file = randomBytes(3000);
  const artisan = privateKeyToAccount(generatePrivateKey());
  const f = await apiFixture(
    pgliteBackend(),
    {},
    { quotas: { perCreatorPerDay: 100, perIpPerHour: 1000 }, batch: { maxLeaves: 256, windowMs: 0 } },
    { signer, tsaUrls: [tsa.url], tsaRoots: [tsa.caPem] },
  );
  const close = async () => {
    await f.close();
    await tsa.close();
    await rm(keysDir, { recursive: true, force: true });
  };
  try {
    const [, holder, licensee, lender] = f.accounts as [Hex, Hex, Hex, Hex];
    const post = (url: string, payload: unknown) =>
      f.app.inject({ method: "POST", url, payload: payload as object, remoteAddress: "203.0.113.9" });
    const settle = async (res: { statusCode: number; body: string; json(): unknown }) => {
      expect(res.statusCode, res.body).to.equal(202);
      const id = (res.json() as { id: string }).id;
      for (let i = 0; i < 50; i++) {
        await f.relayer?.runOnce();
        const status = (await f.app.inject({ method: "GET", url: `/api/relay/requests/${id}` })).json() as {
          status: string;
        };
        if (status.status === "mined") return;
        if (status.status === "failed") throw new Error(JSON.stringify(status));
      }
      throw new Error(`request ${id} did not settle`);
    };

    // The artisan, who holds no coin, uploads the design and its metadata, commits through the relay, and reveals
    // three days later with a signature.
    const upload = (await post("/api/files", file)).json() as {
      sha256: Hex;
      cid: string;
      size: number;
      mediaType: string;
    };
    const metadata = buildWorkMetadata({
      name: "羌绣 云纹 Qiang embroidery, cloud pattern",
      description: "Cross-stitch on black cotton.",
      i18n: { zh: { name: "羌绣 云纹" }, en: { name: "Qiang embroidery, cloud pattern" } },
      creator: [{ "@type": "Person", name: "Artisan" }],
      dateCreated: "2025-03",
      content: { sha256: upload.sha256, cid: upload.cid, size: upload.size, mediaType: upload.mediaType },
    });
    const { cid } = (await post("/api/metadata", metadata)).json() as { cid: string };
    const salt = toHex(randomBytes(32));
    const commitment = commitmentOf(artisan.address, upload.sha256, salt);
    const request = { creator: artisan.address, commitment, deadline: FAR };
    await settle(
      await post("/api/relay/commit", {
        ...json(request),
        signature: await artisan.signTypedData(
          commitRequestTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message: request }),
        ),
      }),
    );
    await rpcCall(f.anvil.url, "evm_increaseTime", [3 * 86_400]);
    const message = {
      to: artisan.address,
      contentHash: upload.sha256,
      metadataCid: cidToHex(cid),
      royaltyReceiver: artisan.address,
      royaltyBps: 500,
      parents: [] as bigint[],
      salt,
      creator: artisan.address,
      nonce: 0n,
      deadline: FAR,
    };
    const signature = await artisan.signTypedData(
      revealTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message }),
    );
    await settle(await post("/api/relay/reveal", { message: json(message), signature }));

    // Then she assigns it (with a deed) to a holder, who licenses it and pledges it.
    const work = BigInt(upload.sha256);
    await rpcCall(f.anvil.url, "anvil_setBalance", [artisan.address, toHex(10n ** 18n)]);
    const wallet = createWalletClient({ chain: foundry, transport: http(f.anvil.url), account: artisan });
    const assigned = await wallet.writeContract({
      address: f.d.registry,
      abi: provenanceRegistryAbi,
      functionName: "assign",
      args: [holder, work, keccak256(toHex("deed of assignment")), "0x"],
    });
    expect((await f.pub.waitForTransactionReceipt({ hash: assigned })).status).to.equal("success");
    const send = async (from: Hex, address: Hex, abi: unknown, functionName: string, args: unknown[], value = 0n) => {
      const w = createWalletClient({ chain: foundry, transport: http(f.anvil.url), account: from });
      const hash = await w.writeContract({ address, abi, functionName, args, value } as never);
      expect((await f.pub.waitForTransactionReceipt({ hash })).status, functionName).to.equal("success");
    };
    const terms = {
      kind: LicenceKind.NonExclusive,
      uses: usesOf(["reproduce", "distribute"]),
      fields: ALL_FIELDS,
      transferable: false,
      worldwide: true,
      territory: [0n, 0n, 0n] as [bigint, bigint, bigint],
      start: 0,
      end: Math.floor(Date.now() / 1000) + 800 * 86_400,
      duration: 0,
      supply: 0,
      derivativeRoyaltyBps: 0,
      currency: zeroAddress,
      textHash: keccak256(toHex("licence text")),
      textCid: cidToHex("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"),
    };
    await send(holder, f.d.ledger, licenceLedgerAbi, "createOffer", [work, terms, 1_000_000n]);
    await send(
      licensee,
      f.d.ledger,
      licenceLedgerAbi,
      "buyLicence",
      [work, 0, termsHashOf(terms), 1_000_000n, licensee],
      1_000_000n,
    );
    await send(holder, f.d.registry, provenanceRegistryAbi, "pledge", [work, lender, FAR, "0x"]);
    await f.sync();

    return { f, tsa, signer, artisan, file, contentHash: upload.sha256, close };
  } catch (error) {
    await close();
    throw error;
  }
}
