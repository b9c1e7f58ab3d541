// The `titlechain` command line against a real server: a folder registered in one batch (interrupted and resumed),
// verify (by the server and straight from the chain), title, licence check, export, and the exit codes.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createPublicClient, type Hex, http } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { provenanceRegistryAbi } from "../../types/abi/index.js";
import { encodePng, generateDesign } from "../content/images.ts";
import { registryNonce, type Server, startServer } from "./server.ts";

const CLI = new URL("../../cli/main.ts", import.meta.url).pathname;

type Run = { code: number; stdout: string; stderr: string };

describe("the titlechain command line", function () {
  this.timeout(300_000);
  let dir: string;
  let server: Server;
  const key = generatePrivateKey();
  const artisan = privateKeyToAccount(key);
  const files: string[] = [];

  const cli = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        { env: { ...process.env, TITLECHAIN_SERVER: server.url, NO_COLOR: "1", ...env }, maxBuffer: 1 << 26 },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "titlechain-cli-"));
    server = await startServer(join(dir, "data"));
    await writeFile(join(dir, "artisan.key"), `${key}\n`, { mode: 0o600 });
    await mkdir(join(dir, "designs"));
    for (let i = 0; i < 8; i++) {
      const file = join(dir, "designs", `pattern-${i}.png`);
      await writeFile(file, encodePng(generateDesign(1000 + i)).bytes);
      files.push(file);
    }
    await writeFile(
      `${files[0]}.json`,
      JSON.stringify({
        name: "羌绣·云纹 Qiang embroidery: cloud scroll",
        i18n: { zh: { name: "羌绣·云纹" }, en: { name: "Qiang embroidery: cloud scroll" } },
        genre: "Qiang embroidery",
      }),
    );
  });

  after(async () => {
    server?.process.kill("SIGTERM");
    await server?.exit;
    await rm(dir, { recursive: true, force: true });
  });

  const keyFile = () => ["--key-file", join(dir, "artisan.key")];

  it("registers a folder as one batch, resumes after being killed mid-run, and never registers a file twice", async () => {
    const folder = join(dir, "designs");
    const stateFile = `${folder}.titlechain.json`;
    // Killed as soon as its state file records a commitment.
    const first = spawn(process.execPath, [CLI, "register", folder, ...keyFile()], {
      env: { ...process.env, TITLECHAIN_SERVER: server.url },
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => first.once("exit", resolve));
    for (let i = 0; i < 600; i++) {
      const text = await readFile(stateFile, "utf8").catch(() => "");
      if (text.includes('"commitId"')) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    first.kill("SIGKILL");
    await exited;

    const resumed = await cli(["register", folder, ...keyFile(), "--json"]);
    expect(resumed.code, resumed.stderr).to.equal(0);
    const summary = JSON.parse(resumed.stdout) as {
      registered: number;
      items: { file: string; workId?: string; batch?: { root: string } }[];
    };
    expect(summary.registered).to.equal(8);
    expect(new Set(summary.items.map((i) => i.batch?.root)).size, "the folder's eight under one root").to.equal(1);

    const deployment = (await (await fetch(`${server.url}/api/deployment`)).json()) as { registry: Hex };
    const chain = createPublicClient({ transport: http(server.chainUrl) });
    expect(await registryNonce(server, artisan.address), "the eight revealed by one signed batch reveal").to.equal(1n);
    for (const item of summary.items) {
      const work = await chain.readContract({
        address: deployment.registry,
        abi: provenanceRegistryAbi,
        functionName: "workOf",
        args: [BigInt(item.workId as string)],
      });
      expect(work.creator).to.equal(artisan.address);
    }
    const again = await cli(["register", folder, ...keyFile(), "--json"]);
    expect(again.code, again.stderr).to.equal(0);
    expect(await registryNonce(server, artisan.address), "nothing signed again").to.equal(1n);
    // The sidecar's bilingual metadata is the work's.
    for (let i = 0; i < 100; i++) {
      const search = (await (await fetch(`${server.url}/api/works?q=${encodeURIComponent("羌绣")}`)).json()) as {
        works: { name: string }[];
      };
      if (search.works.length > 0) {
        expect(search.works[0]?.name).to.equal("羌绣·云纹 Qiang embroidery: cloud scroll");
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect.fail("the sidecar's name was never searchable");
  });

  it("verifies a file by the server and straight from the chain, and says plainly when it is not registered", async () => {
    const yes = await cli(["verify", files[1] as string]);
    expect(yes.code, yes.stderr).to.equal(0);
    expect(yes.stdout).to.match(/^registered/);
    expect(yes.stdout).to.include(artisan.address.toLowerCase());
    const deployment = (await (await fetch(`${server.url}/api/deployment`)).json()) as { registry: Hex };
    const direct = await cli([
      "verify",
      files[1] as string,
      "--rpc",
      server.chainUrl,
      "--registry",
      deployment.registry,
      "--json",
    ]);
    expect(direct.code, direct.stderr).to.equal(0);
    expect(JSON.parse(direct.stdout)).to.deep.include({ registered: true });
    const stranger = join(dir, "stranger.bin");
    await writeFile(stranger, randomBytes(100));
    const no = await cli(["verify", stranger]);
    expect(no.code).to.equal(1);
    expect(no.stdout).to.match(/^not registered/);
    const noChain = await cli(["verify", stranger, "--rpc", server.chainUrl, "--registry", deployment.registry]);
    expect(noChain.code).to.equal(1);
    const missing = await cli(["verify", join(dir, "nope.png")]);
    expect(missing.code).to.equal(3);
    expect(missing.stderr).to.equal(`titlechain: ${join(dir, "nope.png")}: no such file\n`);
  });

  it("prints a work's chain of title, checks a licence, exports the audit trail", async () => {
    const title = await cli(["title", files[2] as string]);
    expect(title.code, title.stderr).to.equal(0);
    expect(title.stdout.split("\n")[0]).to.match(/^when\s+what\s+details\s+transaction/);
    expect(title.stdout).to.match(/registration/);
    const asJson = JSON.parse((await cli(["title", files[2] as string, "--json"])).stdout) as {
      entries: { event: string }[];
    };
    expect(asJson.entries.map((e) => e.event)).to.include("CommitmentRevealed");

    const work = BigInt(
      (JSON.parse((await cli(["verify", files[2] as string, "--json"])).stdout) as { sha256: Hex }).sha256,
    );
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    const licence = await cli(["licence", "check", work.toString(), stranger, "--use", "reproduce"]);
    expect(licence.code, licence.stderr).to.equal(1);
    expect(licence.stdout).to.match(/^not permitted/);
    const noUse = await cli(["licence", "check", work.toString(), stranger]);
    expect(noUse.code).to.equal(2);
    expect(noUse.stderr).to.match(/--use is required/);

    const csv = await cli(["export", "transfers", "--account", artisan.address]);
    expect(csv.code, csv.stderr).to.equal(0);
    const lines = csv.stdout
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(lines[0]).to.equal(
      "time,kind,event,work_id,details,chain_id,contract,transaction_hash,block_number,block_hash,log_index",
    );
    expect(lines.length - 1).to.be.at.least(8);
    const unknown = await cli(["frobnicate"]);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.match(/unknown command "frobnicate"/);
  });

  it("downloads a work's evidence bundle, verifies it against the node, and rejects a tampered one", async () => {
    const got = await cli(["evidence", files[3] as string, "--out", join(dir, "evidence"), "--json"]);
    expect(got.code, got.stderr).to.equal(0);
    const { file, certificate } = JSON.parse(got.stdout) as { file: string; certificate: string };
    expect((await readFile(certificate)).subarray(0, 5).toString()).to.equal("%PDF-");
    const bundle = JSON.parse(await readFile(file, "utf8")) as {
      manifest: { registration: { batch: unknown; method: string }; work: { owner: string } };
      platformSignature: { certificates: string[] } | null;
    };
    expect(bundle.manifest.registration.method).to.equal("revealBatchWithSig");
    expect(bundle.manifest.registration.batch, "a design of a folder is a leaf of its batch").to.not.equal(null);
    await writeFile(join(dir, "platform.pem"), bundle.platformSignature?.certificates[0] ?? "");
    const holds = await cli([
      "verify-evidence",
      file,
      "--rpc",
      server.chainUrl,
      "--file",
      files[3] as string,
      "--platform-cert",
      join(dir, "platform.pem"),
    ]);
    expect(holds.code, holds.stdout + holds.stderr).to.equal(0);
    expect(holds.stdout).to.match(/✓ registration\s+committed in batch/);
    expect(holds.stdout).to.match(/✓ signature\s+the EIP-712 RevealBatch signature is the creator's/);
    expect(holds.stdout).to.match(/✓ platform\s+signed by CN=Titlechain development platform/);
    expect(holds.stdout).to.match(/- timestamp\s+the bundle carries no RFC 3161 timestamp/);
    expect(holds.stdout.trim().split("\n").at(-1)).to.equal("the evidence holds");

    bundle.manifest.work.owner = "0x000000000000000000000000000000000000dead";
    const tampered = join(dir, "tampered.json");
    await writeFile(tampered, JSON.stringify(bundle));
    const no = await cli(["verify-evidence", tampered, "--rpc", server.chainUrl, "--json"]);
    expect(no.code).to.equal(1);
    const verdict = JSON.parse(no.stdout) as { ok: boolean; steps: { step: string; status: string }[] };
    expect(verdict.ok).to.equal(false);
    expect(verdict.steps.filter((s) => s.status === "fail").map((s) => s.step)).to.include.members([
      "manifest",
      "owner",
    ]);
    const wrongFile = await cli(["verify-evidence", file, "--rpc", server.chainUrl, "--file", files[4] as string]);
    expect(wrongFile.code).to.equal(1);
    expect(wrongFile.stdout).to.match(/✗ file\s+the file's SHA-256 is 0x[0-9a-f]{64}, not the work's content hash/);
    const missing = await cli(["verify-evidence", join(dir, "none.json"), "--rpc", server.chainUrl]);
    expect(missing.code).to.equal(3);
    expect(missing.stderr).to.equal(`titlechain: ${join(dir, "none.json")}: no such file (the evidence bundle)\n`);
    const noRpc = await cli(["verify-evidence", file]);
    expect(noRpc.code).to.equal(2);
    const notJson = join(dir, "not-json.json");
    await writeFile(notJson, "{ this is not JSON");
    const unreadable = await cli(["verify-evidence", notJson, "--rpc", server.chainUrl]);
    expect(unreadable.code).to.equal(3);
    expect(unreadable.stderr).to.match(new RegExp(`^titlechain: ${notJson}: not JSON`));
    await writeFile(join(dir, "other.json"), JSON.stringify({ hello: "world" }));
    const notABundle = await cli(["verify-evidence", join(dir, "other.json"), "--rpc", server.chainUrl]);
    expect(notABundle.code, "the answer is no: the form step fails").to.equal(1);
    expect(notABundle.stdout).to.match(/✗ format\s+not an evidence bundle of version 1/);
  });
});
