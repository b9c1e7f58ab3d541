// The real `npm start` entry on a fresh data directory: ready, a gasless registration, a stop and a kill -9 that lose
// nothing acknowledged, and the refusals (a second server on the same directory, bad settings).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createPublicClient, type Hex, http } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { cidToHex } from "../../core/cid.ts";
import { registerTypedData } from "../../core/eip712.ts";
import { buildWorkMetadata } from "../../core/metadata.ts";
import { provenanceRegistryAbi } from "../../types/abi/index.js";
import { MAIN, registryNonce, type Server, startServer } from "./server.ts";

describe("npm start (server/main.ts) on a fresh data directory", function () {
  this.timeout(300_000);
  let dataDir: string;
  let server: Server | undefined;
  const artisan = privateKeyToAccount(generatePrivateKey());

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "titlechain-start-"));
  });

  after(async () => {
    if (server && server.process.exitCode === null) {
      server.process.kill("SIGTERM");
      await server.exit;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  const api = async <T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${server?.url}${path}`, init);
    return { status: response.status, body: (await response.json()) as T };
  };
  const post = <T>(path: string, body: unknown, type = "application/json") =>
    api<T>(path, {
      method: "POST",
      headers: { "content-type": type },
      body: type === "application/json" ? JSON.stringify(body) : (body as Uint8Array),
    });
  const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    for (let i = 0; i < 300; i++) {
      const found = await probe();
      if (found !== undefined) return found;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  /** Uploads a file and its metadata and asks the relay to register it for the artisan; returns the request. */
  const relayRegistration = async (name: string, nonce: bigint) => {
    const bytes = randomBytes(3000);
    const file = (
      await post<{ sha256: Hex; cid: string; size: number; mediaType: string }>(
        "/api/files",
        bytes,
        "application/octet-stream",
      )
    ).body;
    const metadata = buildWorkMetadata({
      name,
      description: "A test of the whole stack.",
      i18n: { zh: { name }, en: { name } },
      creator: [{ "@type": "Person", name: "Artisan" }],
      dateCreated: "2026",
      content: { sha256: file.sha256, cid: file.cid, size: file.size, mediaType: file.mediaType },
    });
    const { cid } = (await post<{ cid: string }>("/api/metadata", metadata)).body;
    const deployment = (await api<{ chainId: number; registry: Hex }>("/api/deployment")).body;
    const message = {
      to: artisan.address,
      contentHash: file.sha256,
      metadataCid: cidToHex(cid),
      royaltyReceiver: artisan.address,
      royaltyBps: 500,
      parents: [] as bigint[],
      creator: artisan.address,
      nonce,
      deadline: 2n ** 40n,
    };
    const signature = await artisan.signTypedData(
      registerTypedData({ chainId: deployment.chainId, registry: deployment.registry, message }),
    );
    const json = JSON.parse(JSON.stringify(message, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    const res = await post<{ id: string }>("/api/relay/register", { message: json, signature });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    return { id: res.body.id, sha256: file.sha256, fileCid: file.cid, bytes, name, registry: deployment.registry };
  };

  /** Waits until the relayed request is mined and the work is searchable; returns its detail. */
  const registered = async (r: Awaited<ReturnType<typeof relayRegistration>>) => {
    const status = await until("the relay", async () => {
      const s = (await api<{ status: string; error: string | null }>(`/api/relay/requests/${r.id}`)).body;
      return s.status === "mined" || s.status === "failed" ? s : undefined;
    });
    expect(status.status, status.error ?? "").to.equal("mined");
    await until("search", async () => {
      const { body } = await api<{ works: { workId: string }[] }>(`/api/works?q=${encodeURIComponent(r.name)}`);
      return body.works.length > 0 ? body : undefined;
    });
    return (await api<{ owner: string; metadata: { name: string } }>(`/api/works/${r.sha256}`)).body;
  };

  /** The work is still there: in the API, its file in the gateway, its token on the chain. */
  const stillThere = async (r: Awaited<ReturnType<typeof relayRegistration>>) => {
    const detail = await api<{ owner: string; metadata: { name: string } }>(`/api/works/${r.sha256}`);
    expect(detail.status).to.equal(200);
    expect(detail.body.owner).to.equal(artisan.address.toLowerCase());
    expect(detail.body.metadata.name).to.equal(r.name);
    const file = await fetch(`${server?.url}/ipfs/${r.fileCid}`);
    expect(Buffer.from(await file.arrayBuffer()).equals(r.bytes)).to.equal(true);
    const chain = createPublicClient({ transport: http(server?.chainUrl) });
    const owner = await chain.readContract({
      address: r.registry,
      abi: provenanceRegistryAbi,
      functionName: "ownerOf",
      args: [BigInt(r.sha256)],
    });
    expect(owner).to.equal(artisan.address);
  };

  it("becomes ready, registers gaslessly through the API, and keeps everything across a stop and a start", async () => {
    server = await startServer(dataDir);
    expect((await api<{ ok: boolean }>("/health")).body).to.deep.equal({ ok: true });
    const first = await relayRegistration("羌绣 first of the stack", 0n);
    expect((await registered(first)).owner).to.equal(artisan.address.toLowerCase());
    const deployment = await readFile(join(dataDir, "deployment.json"), "utf8");

    server.process.kill("SIGTERM");
    expect(await server.exit).to.equal(0);
    server = await startServer(dataDir);
    expect(await readFile(join(dataDir, "deployment.json"), "utf8"), "the deployment is reused").to.equal(deployment);
    await stillThere(first);
  });

  it("refuses a second server on the same data directory, and names bad settings in one line", async () => {
    const second = spawn(process.execPath, [MAIN, "--data-dir", dataDir, "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let said = "";
    second.stderr?.on("data", (chunk: Buffer) => {
      said += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => second.once("exit", resolve));
    expect(code).to.equal(2);
    expect(said).to.match(new RegExp(`${dataDir} is in use by process ${server?.process.pid}`));
    for (const [args, message] of [
      [["--port", "http"], /--port: must be a whole number from 0 to 65535, not "http"/],
      [["--role", "boss"], /--role: must be all, api, indexer or relayer, not "boss"/],
      [["--rpc-url", "http://127.0.0.1:1"], /--deployment: is required with --rpc-url/],
      [
        ["--rpc-url", "http://127.0.0.1:1", "--deployment", "/nonexistent/deployment.json"],
        /--deployment: \/nonexistent\/deployment.json: no such file/,
      ],
      [["--colour"], /arguments: Unknown option '--colour'/],
    ] as const) {
      const bad = spawn(process.execPath, [MAIN, "--data-dir", `${dataDir}-unused`, ...args], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let text = "";
      bad.stderr?.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      expect(await new Promise((resolve) => bad.once("exit", resolve))).to.equal(2);
      expect(text.trim().split("\n")).to.have.length(1);
      expect(text).to.match(message);
    }
  });

  it("loses nothing acknowledged when killed with SIGKILL: the relayed request is mined once after the restart", async () => {
    const second = await relayRegistration("蜡染 acknowledged before the kill", 1n);
    server?.process.kill("SIGKILL");
    await server?.exit;
    // A killed server leaves its lock and its chain behind: the next start clears both.
    server = await startServer(dataDir);
    await registered(second);
    await stillThere(second);
    expect(await registryNonce(server, artisan.address), "each signed registration used once").to.equal(2n);
  });
});
