// Evidence bundles end to end on a real chain, a real TSA and PGlite: built by the API, verified against the node, and
// every tampering caught by the step that should catch it.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { type Hex, keccak256, zeroAddress } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { type EvidenceBundle, manifestBytes, manifestHashOf } from "../../core/evidence/bundle.ts";
import { bytesOfBase64 } from "../../core/evidence/encoding.ts";
import { type StepName, verifyEvidence } from "../../core/evidence/verify.ts";
import type { TestTsa } from "../../scripts/local-tsa.ts";
import type { PlatformSigner } from "../../server/evidence/platform-key.ts";
import type { ApiFixture } from "../api/fixture.ts";
import { startAnvil } from "../indexer/chain.ts";
import { CHAIN_ID } from "../indexer/mirror.ts";
import { type EvidenceScenario, evidenceScenario } from "./scenario.ts";

const run = promisify(execFile);

describe("evidence bundles on anvil, a local RFC 3161 TSA and PGlite", function () {
  this.timeout(300_000);
  let s: EvidenceScenario;
  let f: ApiFixture;
  let tsa: TestTsa;
  let signer: PlatformSigner;
  let file: Buffer;
  let artisan: PrivateKeyAccount;
  let bundle: EvidenceBundle;

  before(async () => {
    s = await evidenceScenario();
    ({ f, tsa, signer, file, artisan } = s);
    const res = await f.app.inject({ method: "GET", url: `/api/works/${s.contentHash}/evidence` });
    expect(res.statusCode, res.body).to.equal(200);
    bundle = res.json() as EvidenceBundle;
  });

  after(async () => {
    await s?.close();
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
    const badId = await f.app.inject({ method: "GET", url: "/api/works/not-a-work/evidence" });
    expect(badId.statusCode).to.equal(400);
    expect((badId.json() as { field: string }).field).to.match(/workId/);
    const badFile = await f.app.inject({
      method: "POST",
      url: "/api/evidence/verify",
      payload: { bundle, file: "%%% not base64 %%%" },
    });
    expect(badFile.statusCode).to.equal(400);
    expect((badFile.json() as { field: string }).field).to.equal("file");
    const notABundle = (
      await f.app.inject({ method: "POST", url: "/api/evidence/verify", payload: { bundle: { hello: 1 } } })
    ).json() as { ok: boolean; steps: { step: string; status: string }[] };
    expect(notABundle.ok).to.equal(false);
    expect(notABundle.steps).to.have.length(1);
    expect(notABundle.steps[0]).to.include({ step: "format", status: "fail" });
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
