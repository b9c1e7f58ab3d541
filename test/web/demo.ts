// The browser tests' real server with the demonstration market, and works registered on it as any user could.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Account, type Address, createPublicClient, createWalletClient, type Hex, http, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { titlechainClient } from "../../client/index.ts";
import { cidToHex } from "../../core/cid.ts";
import { buildWorkMetadata, type WorkMetadataInput } from "../../core/metadata.ts";
import { provenanceRegistryAbi } from "../../types/abi/index.js";
import { type Server, startServer } from "../stack/server.ts";

export type Demo = {
  server: Server;
  dir: string;
  /** Asks `check` every 100 ms until it holds; fails with the server's last words after `tries`. */
  waitFor: (what: string, check: () => Promise<boolean> | boolean, tries?: number) => Promise<void>;
  /** Stops the server and removes its data directory. */
  stop: () => Promise<void>;
};

/** The server on a fresh data directory, with `--demo`, once the demonstration market is seeded. */
export async function startDemo(name: string, args: readonly string[] = []): Promise<Demo> {
  const dir = await mkdtemp(join(tmpdir(), `titlechain-${name}-`));
  const server = await startServer(join(dir, "data"), ["--demo", ...args]);
  const waitFor: Demo["waitFor"] = async (what, check, tries = 1200) => {
    for (let i = 0; i < tries; i++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${what}: ${server.stderr().slice(-2000)}`);
  };
  const stop = async () => {
    server.process.kill("SIGTERM");
    await server.exit;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      "the demo",
      () => /the demonstration market is seeded|demo seeding failed/.test(server.stderr()),
      1800,
    );
    if (!/the demonstration market is seeded/.test(server.stderr())) throw new Error(server.stderr().slice(-3000));
  } catch (error) {
    await stop();
    throw error;
  }
  return { server, dir, waitFor, stop };
}

/**
 * Registers a work through the API and the chain, as any user's wallet could: the file uploaded, its metadata (the
 * given fields over plain defaults) stored, then `register` sent by `by` (an unlocked anvil account's address, or a
 * key's account funded here; a new one when not given). Returns the work's id and its registrant.
 */
export async function registerWork(
  server: Server,
  bytes: Uint8Array,
  metadata: Partial<WorkMetadataInput> & { name: string },
  by?: Address | Account,
): Promise<{ id: Hex; registrant: Address }> {
  const api = titlechainClient(server.url);
  const { data: file } = await api.POST("/api/files", {
    body: bytes as never,
    bodySerializer: (b: unknown) => b as Uint8Array,
    headers: { "content-type": "application/octet-stream" },
  });
  if (!file) throw new Error("upload refused");
  const document = buildWorkMetadata({
    description: "A work registered by a test.",
    i18n: { en: { name: metadata.name }, zh: { name: metadata.name } },
    creator: [{ "@type": "Person", name: "A test" }],
    dateCreated: "2026",
    ...metadata,
    content: { sha256: file.sha256 as Hex, cid: file.cid, size: file.size, mediaType: file.mediaType },
  });
  const { data: stored } = await api.POST("/api/metadata", { body: document as never });
  if (!stored) throw new Error("metadata refused");
  const { data: deployment } = await api.GET("/api/deployment");
  const chain = createPublicClient({ transport: http(server.chainUrl) });
  const account = by ?? privateKeyToAccount(generatePrivateKey());
  const registrant = typeof account === "string" ? account : account.address;
  if (typeof account !== "string") {
    await chain.request({ method: "anvil_setBalance" as never, params: [registrant, toHex(10n ** 18n)] as never });
  }
  const wallet = createWalletClient({ transport: http(server.chainUrl), account });
  const hash = await wallet.writeContract({
    address: deployment?.registry as Address,
    abi: provenanceRegistryAbi,
    functionName: "register",
    args: [
      {
        to: registrant,
        contentHash: file.sha256 as Hex,
        metadataCid: cidToHex(stored.cid),
        royaltyReceiver: registrant,
        royaltyBps: 0,
        parents: [],
      },
    ],
    chain: null,
  });
  await chain.waitForTransactionReceipt({ hash });
  return { id: file.sha256 as Hex, registrant };
}
