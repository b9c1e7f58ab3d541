// Evidence bundles end to end on a real chain, a real TSA and PGlite: built by the API, verified against the node, and
// every tampering caught by the step that should catch it.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { createWalletClient, type Hex, http, keccak256, toHex, zeroAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { cidToHex } from "../../core/cid.ts";
import { commitmentOf } from "../../core/commitment.ts";
import { commitRequestTypedData, revealTypedData } from "../../core/eip712.ts";
import { type EvidenceBundle, manifestBytes, manifestHashOf } from "../../core/evidence/bundle.ts";
import { bytesOfBase64 } from "../../core/evidence/encoding.ts";
import { type StepName, verifyEvidence } from "../../core/evidence/verify.ts";
import { ALL_FIELDS, LicenceKind, termsHashOf, usesOf } from "../../core/licence.ts";
import { buildWorkMetadata } from "../../core/metadata.ts";
import { developmentPlatformSigner, type PlatformSigner } from "../../server/evidence/platform-key.ts";
import { licenceLedgerAbi, provenanceRegistryAbi } from "../../types/abi/index.js";
import { type ApiFixture, apiFixture } from "../api/fixture.ts";
import { pgliteBackend } from "../db/backends.ts";
import { rpcCall, startAnvil } from "../indexer/chain.ts";
import { CHAIN_ID } from "../indexer/mirror.ts";
import { startTestTsa, type TestTsa } from "./tsa.ts";

const run = promisify(execFile);
const FAR = 2n ** 40n;
const json = (m: Record<string, unknown>) =>
  JSON.parse(JSON.stringify(m, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) as Record<string, unknown>;

describe("evidence bundles on anvil, a local RFC 3161 TSA and PGlite", function () {
  this.timeout(300_000);
  let f: ApiFixture;
  let tsa: TestTsa;
  let signer: PlatformSigner;
  let keysDir: string;
  let bundle: EvidenceBundle;
  const file = randomBytes(3000);
  const artisan = privateKeyToAccount(generatePrivateKey());

  before(async () => {
    tsa = await startTestTsa();
    keysDir = await mkdtemp(join(tmpdir(), "titlechain-keys-"));
    signer = await developmentPlatformSigner(keysDir);
    f = await apiFixture(
      pgliteBackend(),
      {},
      { quotas: { perCreatorPerDay: 100, perIpPerHour: 1000 }, batch: { maxLeaves: 256, windowMs: 0 } },
      { signer, tsaUrls: [tsa.url], tsaRoots: [tsa.caPem] },
    );
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

    const res = await f.app.inject({ method: "GET", url: `/api/works/${upload.sha256}/evidence` });
    expect(res.statusCode, res.body).to.equal(200);
    bundle = res.json() as EvidenceBundle;
  });

  after(async () => {
    await f?.close();
    await tsa?.close();
    if (keysDir) await rm(keysDir, { recursive: true, force: true });
  });

  const verify = (b: unknown, extra: { file?: Uint8Array } = {}) =>
    verifyEvidence(b, { rpc: f.anvil.url, tsaRoots: [tsa.caPem], platformCertificates: signer.certificates, ...extra });

  it("carries the whole chain of title, the commitment, the signature and a timestamp, and every step passes", async () => {
    const m = bundle.manifest;
    expect(m.events.map((e) => e.event)).to.include.members([
      "CommitmentRevealed",
      "WorkRegistered",
      "TitleTransferred",
      "AssignmentRecorded",
      "OfferCreated",
      "LicencePurchased",
      "WorkPledged",
    ]);
    expect(m.registration).to.include({ method: "revealWithSig" });
    expect(m.registration.signature).to.include({ primaryType: "Reveal", signer: artisan.address.toLowerCase() });
    expect(m.registration.anchor?.event).to.equal("Committed");
    expect(m.work.creator).to.equal(artisan.address.toLowerCase());
    expect(m.work.owner).to.equal((f.accounts[1] as string).toLowerCase());
    expect(m.file.receivedAt, "the upload's receipt time").to.be.a("string");
    expect(m.work.metadata).to.contain("羌绣 云纹");
    expect(bundle.timestamps).to.have.length(1);
    const result = await verify(bundle, { file });
    expect(
      result.steps.filter((s) => s.status !== "pass"),
      JSON.stringify(result.steps, null, 1),
    ).to.deep.equal([]);
    expect(result.ok).to.equal(true);
    expect(result.steps.map((s) => s.step)).to.have.length(13);
  });

  it("verifies its timestamp with openssl ts -verify and its platform signature with openssl dgst", async () => {
    const dir = await mkdtemp(join(tmpdir(), "titlechain-evidence-"));
    try {
      const [stamp] = bundle.timestamps;
      await writeFile(join(dir, "manifest.json"), manifestBytes(bundle.manifest));
      await writeFile(join(dir, "token.der"), bytesOfBase64(stamp?.token ?? ""));
      await writeFile(join(dir, "ca.pem"), tsa.caPem);
      await writeFile(join(dir, "chain.pem"), (stamp?.certificates ?? []).join(""));
      const ts = await run(
        "openssl",
        [
          "ts",
          "-verify",
          "-data",
          "manifest.json",
          "-in",
          "token.der",
          "-token_in",
          "-CAfile",
          "ca.pem",
          "-untrusted",
          "chain.pem",
        ],
        { cwd: dir },
      );
      expect(ts.stdout).to.contain("Verification: OK");
      await writeFile(join(dir, "platform.pem"), signer.certificates[0] ?? "");
      await writeFile(join(dir, "signature.bin"), bytesOfBase64(bundle.platformSignature?.signature ?? ""));
      await run("sh", ["-c", "openssl x509 -pubkey -noout -in platform.pem > platform.pub"], { cwd: dir });
      const dgst = await run(
        "openssl",
        ["dgst", "-sha256", "-verify", "platform.pub", "-signature", "signature.bin", "manifest.json"],
        { cwd: dir },
      );
      expect(dgst.stdout).to.contain("Verified OK");
      const sum = await run("sha256sum", ["manifest.json"], { cwd: dir });
      expect(`0x${sum.stdout.split(" ")[0]}`).to.equal(bundle.manifestHash);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("fails at the file step for another file, and clearly on a node of another chain", async () => {
    const wrongFile = await verify(bundle, { file: randomBytes(3000) });
    expect(wrongFile.ok).to.equal(false);
    expect(wrongFile.steps.find((s) => s.step === "file")?.status).to.equal("fail");
    const other = await startAnvil(["--chain-id", "4242"]);
    const fresh = await startAnvil();
    try {
      const elsewhere = await verifyEvidence(bundle, { rpc: other.url });
      expect(elsewhere.ok).to.equal(false);
      expect(elsewhere.steps.at(-1)).to.deep.include({ step: "chain", status: "fail" });
      expect(elsewhere.steps.at(-1)?.message).to.contain("chain 4242").and.contain(`chain ${CHAIN_ID}`);
      const sameIdOtherChain = await verifyEvidence(bundle, { rpc: fresh.url });
      expect(sameIdOtherChain.ok).to.equal(false);
      expect(sameIdOtherChain.steps.at(-1)).to.deep.include({ step: "chain", status: "fail" });
      expect(sameIdOtherChain.steps.at(-1)?.message).to.contain(
        `no Titlechain registry at ${bundle.manifest.chain.contracts.registry}`,
      );
    } finally {
      await other.stop();
      await fresh.stop();
    }
  });

  it("answers the same verdict through POST /api/evidence/verify, and 404 for an unregistered work", async () => {
    const res = await f.app.inject({
      method: "POST",
      url: "/api/evidence/verify",
      payload: { bundle, file: file.toString("base64") },
    });
    expect(res.statusCode, res.body).to.equal(200);
    const verdict = res.json() as { ok: boolean; steps: { step: string; status: string }[] };
    expect(verdict.ok).to.equal(true);
    const tampered = structuredClone(bundle);
    tampered.manifest.work.owner = artisan.address.toLowerCase() as Hex;
    const bad = (
      await f.app.inject({ method: "POST", url: "/api/evidence/verify", payload: { bundle: tampered } })
    ).json() as typeof verdict;
    expect(bad.ok).to.equal(false);
    expect(bad.steps.find((s) => s.step === "manifest")?.status).to.equal("fail");
    const missing = await f.app.inject({ method: "GET", url: `/api/works/${keccak256("0x01")}/evidence` });
    expect(missing.statusCode).to.equal(404);
  });

  /** Which step must catch a change at each path; signed: the change is only covered by the signatures. */
  const expectation = (path: string): { steps: StepName[]; signed: boolean } | null => {
    const rules: [RegExp, StepName[], boolean][] = [
      [/^\/(format|version)$/, ["format"], false],
      [/^\/manifest\/(software|generatedAt)/, ["timestamp", "platform"], true],
      [/^\/manifest\/file\/sha256$/, ["file"], false],
      [/^\/manifest\/file\//, ["timestamp", "platform"], true],
      [/^\/manifest\/chain\/chainId$/, ["chain"], false],
      [/^\/manifest\/chain\/contracts\//, ["chain"], false],
      [/^\/manifest\/chain\/asOf\//, ["block"], false],
      [/^\/manifest\/work\/(workId|creator|registeredAt|metadataCid|metadata)$/, ["record"], false],
      [/^\/manifest\/work\/contentHash$/, ["file"], false],
      [/^\/manifest\/work\/owner$/, ["owner"], false],
      [/^\/manifest\/registration\//, ["registration"], false],
      [/^\/manifest\/events\//, ["events"], false],
      [/^\/timestamps\/\d+\/authority$/, [], true], // a label for people: the verdict names the TSA by its certificate
      [/^\/timestamps\//, ["timestamp"], true],
      [/^\/platformSignature\//, ["platform"], true],
    ];
    for (const [pattern, steps, signed] of rules)
      if (pattern.test(path)) return steps.length ? { steps, signed } : null;
    throw new Error(`no expectation for ${path}`);
  };

  const leaves = (value: unknown, path = ""): string[] => {
    if (value !== null && typeof value === "object") {
      return Object.entries(value).flatMap(([k, v]) => leaves(v, `${path}/${k}`));
    }
    return value === null ? [] : [path];
  };
  const mutated = (value: unknown): unknown => {
    if (typeof value === "number") return value + 1;
    if (typeof value === "boolean") return !value;
    const text = String(value);
    if (/^0x[0-9a-f]+$/.test(text)) return `${text.slice(0, -1)}${text.endsWith("0") ? "1" : "0"}`;
    if (/^[0-9]+$/.test(text)) return (BigInt(text) + 1n).toString();
    if (/^\d{4}-\d\d-\d\dT/.test(text)) return new Date(Date.parse(text) + 1000).toISOString();
    // Base64 (a token, a signature): a character near the end, inside the signature value, not the unsigned framing.
    const i = text.startsWith("-----BEGIN") ? 100 : text.length - 10;
    if (/^[A-Za-z0-9+/=\s-]{40,}$/.test(text))
      return `${text.slice(0, i)}${text[i] === "A" ? "B" : "A"}${text.slice(i + 1)}`;
    return `${text}x`;
  };

  it("catches a change to every field of the bundle at the step that should catch it", async () => {
    const paths = leaves(bundle).filter((p) => p !== "/manifestHash");
    let checked = 0;
    let formatOnly = 0;
    for (const path of paths) {
      const expected = expectation(path);
      if (!expected) continue;
      const copy = structuredClone(bundle) as unknown as Record<string, unknown>;
      const keys = path.split("/").slice(1);
      const parent = keys.slice(0, -1).reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, copy);
      const last = keys.at(-1) as string;
      parent[last] = mutated(parent[last]);
      const tampered = copy as unknown as EvidenceBundle;
      // A forger recomputes the manifest's hash; without the keys, they drop what they cannot sign again.
      tampered.manifestHash = manifestHashOf(tampered.manifest);
      if (!expected.signed) {
        tampered.timestamps = [];
        tampered.platformSignature = null;
      }
      const result = await verify(tampered, { file });
      const failed = result.steps.filter((s) => s.status === "fail").map((s) => s.step);
      expect(result.ok, path).to.equal(false);
      // A change that breaks the bundle's form is the schema's to catch, before anything else runs.
      const wanted = failed.includes("format")
        ? ["format"]
        : expected.signed
          ? expected.steps
          : expected.steps.slice(0, 1);
      expect(failed, `${path}: ${JSON.stringify(result.steps.filter((s) => s.status === "fail"))}`).to.include.members(
        wanted,
      );
      if (failed.includes("format")) formatOnly++;
      checked++;
    }
    expect(checked).to.be.greaterThan(150);
    expect(
      formatOnly,
      "most changes keep the bundle's form and reach the step that checks their meaning",
    ).to.be.lessThan(checked / 4);
    // Without recomputing the hash, the manifest step catches any change; dropping an event, the title step.
    const changed = structuredClone(bundle);
    changed.manifest.work.owner = zeroAddress;
    expect((await verify(changed)).steps.find((s) => s.step === "manifest")?.status).to.equal("fail");
    const dropped = structuredClone(bundle);
    dropped.manifest.events = dropped.manifest.events.filter((e) => e.event !== "WorkPledged");
    dropped.manifestHash = manifestHashOf(dropped.manifest);
    const title = (await verify(dropped)).steps.find((s) => s.step === "title");
    expect(title?.status).to.equal("fail");
    expect(title?.message).to.contain("WorkPledged");
  });
});
