// `titlechain register <file|folder>`: gasless registration through a server; a folder as one batch, resumable.
import { randomBytes } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import type { Address, Hex, LocalAccount } from "viem";
import { cidToHex } from "../../core/cid.ts";
import { batchLeafOf } from "../../core/commitment.ts";
import {
  commitRequestTypedData,
  MAX_REVEAL_BATCH,
  registerTypedData,
  revealBatchTypedData,
} from "../../core/eip712.ts";
import { buildMerkleTree, merkleProofOf } from "../../core/merkle.ts";
import { buildWorkMetadata, type WorkMetadataInput } from "../../core/metadata.ts";
import { hashFile } from "../files.ts";
import { loadKey } from "../keys.ts";
import { CliError, EXIT, json, out, paint } from "../output.ts";
import { Progress } from "../progress.ts";
import { answer, clientOf } from "../server.ts";
import { type Item, openState, type State } from "../state.ts";

export const registerHelp = `Usage: titlechain register <file|folder> [--key-file FILE] [--private] [--state-file FILE]
                           [--server URL] [--json]

Registers a design in your name without gas: you sign, the server's relayer pays. A file is uploaded, described and
registered in one transaction. A folder is committed as one batch (one transaction for every file in it), then each
file is uploaded and revealed, registered at the batch's time. With --private nothing but the files' hashes leaves
this machine: the batch is committed and the reveal waits for a run without --private. An interrupted run resumes
from its state file (default: beside the folder, <folder>.titlechain.json) and never registers a file twice.

Your key: --key-file, else TITLECHAIN_KEY_FILE, else ~/.config/titlechain/key (made on first use; whoever holds it
owns your registrations, so keep a copy somewhere safe). Beside each file, an optional <file>.json adds metadata
(name, description, i18n, genre, keywords...).`;

/** Requests in flight at once (uploads, commitments). */
const CONCURRENCY = 8;

/** Runs at most `n` of the functions given to it at a time. */
function pool(n: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await fn();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

/** Signatures are valid this long: a batch that takes longer is resumed with new ones. */
const DEADLINE_S = 7 * 86_400;

type Options = { server: string; json: boolean; private: boolean; keyFile?: string; stateFile?: string };

const bigints = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) as Record<string, unknown>;

export async function register(target: string, o: Options): Promise<number> {
  const info = await stat(target).catch(() => null);
  if (!info) throw new CliError(`${target}: no such file or folder`);
  const account = await loadKey(o.keyFile);
  const api = clientOf(o.server);
  const deployment = answer(await api.GET("/api/deployment"), "the server's deployment");
  const chain = { chainId: deployment.chainId, registry: deployment.registry as Address };
  if (info.isFile() && !o.private) return registerOne(target, account, chain, o);

  const files = info.isDirectory()
    ? (await readdir(target, { withFileTypes: true }))
        .filter((e) => e.isFile() && !e.name.startsWith(".") && !e.name.endsWith(".json"))
        .map((e) => join(target, e.name))
        .sort()
    : [target];
  if (files.length === 0) throw new CliError(`${target}: no files to register`);
  const state = await openState(o.stateFile ?? `${target.replace(/\/+$/, "")}.titlechain.json`, {
    server: o.server,
    creator: account.address,
    chainId: chain.chainId,
    registry: chain.registry,
  });
  const batch = new Batch(account, chain, o, state);
  await batch.commit(files);
  if (o.private) {
    if (o.json) json(state.summary());
    else out(`${paint("green", "committed")} ${files.length} file(s) privately; run again without --private to reveal`);
    return EXIT.ok;
  }
  await batch.reveal();
  if (o.json) json(state.summary());
  else {
    const s = state.summary();
    out(`${paint("green", "registered")} ${s.registered} file(s) of ${files.length}; ${s.skipped} already registered`);
  }
  return EXIT.ok;
}

/** Metadata of a file: its name and type, and whatever its `<file>.json` says. */
async function metadataOf(
  file: string,
  creator: Address,
  content: { sha256: Hex; cid: string; size: number; mediaType: string },
) {
  const sidecar = await readFile(`${file}.json`, "utf8").then(
    (text) => {
      try {
        return JSON.parse(text) as Partial<WorkMetadataInput>;
      } catch (error) {
        throw new CliError(`${file}.json: not JSON (${(error as Error).message})`);
      }
    },
    () => ({}),
  );
  const name = basename(file, extname(file));
  return buildWorkMetadata({
    name,
    description: `${basename(file)}, registered with the titlechain command line.`,
    i18n: { en: { name } },
    creator: [{ "@type": "Person", name: creator }],
    dateCreated: new Date().toISOString().slice(0, 10),
    ...sidecar,
    content,
  } as WorkMetadataInput);
}

type Chain = { chainId: number; registry: Address };

/** Uploads the file and its metadata; returns the registration's fields. */
async function prepare(server: string, file: string, to: Address) {
  const api = clientOf(server);
  const bytes = await readFile(file).catch((error: Error) => {
    throw new CliError(`${file}: ${error.message}`);
  });
  const upload = answer(
    await api.POST("/api/files", {
      body: bytes as never,
      bodySerializer: (b: unknown) => b as Uint8Array,
      headers: { "content-type": "application/octet-stream" },
    }),
    `upload of ${file}`,
  );
  const content = { sha256: upload.sha256 as Hex, cid: upload.cid, size: upload.size, mediaType: upload.mediaType };
  const metadata = await metadataOf(file, to, content);
  const stored = answer(await api.POST("/api/metadata", { body: metadata as never }), `metadata of ${file}`);
  return {
    to,
    contentHash: upload.sha256 as Hex,
    metadataCid: cidToHex(stored.cid),
    royaltyReceiver: to,
    royaltyBps: 0,
    parents: [] as bigint[],
  };
}

/**
 * The id of a relayed request: the new one, or the one the server already has for this file or commitment (a run
 * killed after sending and before recording resumes with it).
 */
function relayed(
  result: { data?: { id: string }; error?: unknown; response: Response },
  what: string,
): { id: string; fresh: boolean } {
  const earlier = (result.error as { requestId?: string } | undefined)?.requestId;
  if (!result.response.ok && earlier) return { id: earlier, fresh: false };
  return { id: answer(result, what).id, fresh: true };
}

/** Waits for a relayed request to be mined; returns its status. */
async function settled(server: string, id: string, what: string) {
  const api = clientOf(server);
  for (;;) {
    const s = answer(await api.GET("/api/relay/requests/{id}", { params: { path: { id } } }), what);
    if (s.status === "mined") return s;
    if (s.status === "failed") throw new CliError(`${what}: the relay failed: ${s.error ?? "no reason given"}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function registerOne(file: string, account: LocalAccount, chain: Chain, o: Options): Promise<number> {
  const api = clientOf(o.server);
  const { sha256 } = await hashFile(file);
  const known = answer(await api.GET("/api/verify/{sha256}", { params: { path: { sha256 } } }), `verify ${file}`);
  if (known.registered) {
    throw new CliError(`${file}: already registered as work ${known.work?.workId} by ${known.work?.creator}`, EXIT.no);
  }
  const registration = await prepare(o.server, file, account.address);
  const nonce = answer(
    await api.GET("/api/relay/nonces/{account}", { params: { path: { account: account.address } } }),
    "nonce",
  );
  const message = {
    ...registration,
    creator: account.address,
    nonce: BigInt(nonce.next),
    deadline: BigInt(Math.floor(Date.now() / 1000) + DEADLINE_S),
  };
  const signature = await account.signTypedData(registerTypedData({ ...chain, message }));
  const queued = answer(
    await api.POST("/api/relay/register", { body: { message: bigints(message), signature } as never }),
    `registration of ${file}`,
  );
  const mined = await settled(o.server, queued.id, `registration of ${file}`);
  const result = { file, sha256, workId: BigInt(sha256).toString(), transactionHash: mined.transactionHash };
  if (o.json) json(result);
  else out(`${paint("green", "registered")}  ${file} as work ${result.workId} (transaction ${mined.transactionHash})`);
  return EXIT.ok;
}

/** A folder's batch: commitments in one anchored batch, then one reveal per file; every step recorded first. */
class Batch {
  readonly #account: LocalAccount;
  readonly #chain: Chain;
  readonly #o: Options;
  readonly #state: State;

  /** Uploads of files and metadata, started once the commitments are anchored (never before: commit first). */
  readonly #prepared = new Map<Item, ReturnType<typeof prepare>>();
  readonly #uploads = pool(CONCURRENCY);

  constructor(account: LocalAccount, chain: Chain, o: Options, state: State) {
    this.#account = account;
    this.#chain = chain;
    this.#o = o;
    this.#state = state;
  }

  /** The upload of a file and its metadata, started now unless it already is. */
  #prepare(item: Item): ReturnType<typeof prepare> {
    let started = this.#prepared.get(item);
    if (!started) {
      started = this.#uploads(() => prepare(this.#o.server, item.file, this.#account.address));
      started.catch(() => undefined); // awaited by the reveal, which reports the failure
      this.#prepared.set(item, started);
    }
    return started;
  }

  /**
   * Commits the folder's files not yet committed as the Merkle root of their leaves, which the relayer anchors in one
   * transaction (salts and root on disk before the request leaves), and waits until it is mined.
   */
  async commit(files: readonly string[]): Promise<void> {
    const progress = new Progress("committing", files.length, this.#o.json);
    const api = clientOf(this.#o.server);
    const seen = new Set<string>();
    const run = pool(CONCURRENCY);
    const unique: Item[] = [];
    for (const file of files) {
      const { sha256 } = await hashFile(file);
      const item = this.#state.item(file, sha256);
      if (seen.has(sha256)) this.#state.set(item, { skipped: "the same file as another in the folder" });
      else {
        seen.add(sha256);
        unique.push(item);
      }
    }
    // A file registered already, by anyone, is left out.
    const fresh = unique.filter((i) => !i.commitId && !i.skipped && !i.workId);
    await Promise.all(
      fresh.map((item) =>
        run(async () => {
          const { sha256, file } = item;
          const known = answer(
            await api.GET("/api/verify/{sha256}", { params: { path: { sha256 } } }),
            `verify ${file}`,
          );
          if (known.registered) this.#state.set(item, { skipped: `already registered as work ${known.work?.workId}` });
          progress.tick(file);
        }),
      ),
    );
    const leaves = fresh.filter((i) => !i.skipped);
    for (const item of leaves) if (!item.salt) this.#state.set(item, { salt: `0x${randomBytes(32).toString("hex")}` });
    if (leaves.length > 0) {
      const root = this.#treeOf(leaves).root;
      await this.#state.updateAll(leaves, { folderRoot: root });
      const request = {
        creator: this.#account.address,
        commitment: root,
        deadline: BigInt(Math.floor(Date.now() / 1000) + DEADLINE_S),
      };
      const signature = await this.#account.signTypedData(commitRequestTypedData({ ...this.#chain, message: request }));
      const body = { ...bigints(request), signature, leaves: leaves.length };
      const id = relayed(
        await api.POST("/api/relay/commit", { body: body as never }),
        `commitment of ${leaves.length} files`,
      );
      this.#state.setAll(leaves, { commitId: id.id });
    }
    await this.#state.save();
    progress.done();
    const waiting = this.#state.items().filter((i) => i.commitId && !i.batch && !i.skipped);
    const anchored = new Progress("anchoring the batch", waiting.length, this.#o.json);
    for (const [id, items] of Map.groupBy(waiting, (i) => i.commitId as string)) {
      const s = await settled(this.#o.server, id, `commitment of ${items.length} files from ${items[0]?.file}`);
      if (s.anchoredBy) {
        const tree = this.#treeOf(items);
        if (tree.root !== items[0]?.folderRoot) throw new CliError(`${items[0]?.file}: the state file's salts changed`);
        for (const item of items) {
          const proof = merkleProofOf(tree, this.#leafOf(item));
          this.#state.set(item, { batch: { submitter: s.anchoredBy, root: tree.root, proof } });
        }
      } else if (s.batch) {
        // A commitment of its own in a batch the relayer formed (made by an earlier version of this command).
        this.#state.set(items[0] as Item, {
          batch: { submitter: s.batch.submitter, root: s.batch.root, proof: s.batch.proof },
        });
      } else throw new CliError(`commitment of ${items[0]?.file}: mined without a batch`);
      for (const item of items) anchored.tick(item.file);
    }
    await this.#state.save();
    anchored.done();
  }

  #leafOf(item: Item): Hex {
    return batchLeafOf(this.#account.address, item.sha256, item.salt as Hex);
  }

  /** The Merkle tree of the items' leaves (sorted: the same tree whatever their order). */
  #treeOf(items: readonly Item[]) {
    return buildMerkleTree(items.map((i) => this.#leafOf(i)));
  }

  /**
   * Uploads and reveals every committed file not yet revealed, then waits until each is mined. The files of one
   * batch go out {@link MAX_REVEAL_BATCH} at a time, each group in one transaction under one signature and one nonce.
   */
  async reveal(): Promise<void> {
    const api = clientOf(this.#o.server);
    const todo: Item[] = [];
    for (const item of this.#state.items().filter((i) => i.batch && !i.workId && !i.skipped)) {
      if (item.revealId) {
        const s = answer(
          await api.GET("/api/relay/requests/{id}", { params: { path: { id: item.revealId } } }),
          `reveal of ${item.file}`,
        );
        if (s.status !== "failed") continue;
      }
      todo.push(item);
    }
    const progress = new Progress("revealing", todo.length, this.#o.json);
    // Files and metadata upload ahead, several at a time; the groups go out one by one, in nonce order.
    for (const item of todo) void this.#prepare(item);
    let nonce: bigint | null = null;
    for (const group of groupsOf(todo)) {
      nonce ??= BigInt(
        answer(
          await api.GET("/api/relay/nonces/{account}", { params: { path: { account: this.#account.address } } }),
          "nonce",
        ).next,
      );
      const items = [];
      for (const item of group) {
        const registration = await this.#prepare(item);
        if (registration.contentHash !== item.sha256)
          throw new CliError(`${item.file}: changed since it was committed`);
        items.push({ ...registration, salt: item.salt as Hex });
      }
      const batch = group[0]?.batch as NonNullable<Item["batch"]>;
      const message = {
        creator: this.#account.address,
        items,
        submitter: batch.submitter as Address,
        root: batch.root as Hex,
        nonce,
        deadline: BigInt(Math.floor(Date.now() / 1000) + DEADLINE_S),
      };
      const signature = await this.#account.signTypedData(revealBatchTypedData({ ...this.#chain, message }));
      const id = relayed(
        await api.POST("/api/relay/reveal-batch", {
          body: {
            message: { ...bigints({ ...message, items: [] }), items: items.map(bigints) },
            proofs: group.map((i) => i.batch?.proof ?? []),
            signature,
          } as never,
        }),
        `reveal of ${group.length} files from ${group[0]?.file}`,
      );
      if (id.fresh) nonce += 1n;
      await this.#state.updateAll(group, { revealId: id.id });
      for (const item of group) progress.tick(item.file);
    }
    progress.done();
    const waiting = this.#state.items().filter((i) => i.revealId && !i.workId);
    const mined = new Progress("registering", waiting.length, this.#o.json);
    for (const [id, items] of Map.groupBy(waiting, (i) => i.revealId as string)) {
      await settled(this.#o.server, id, `reveal of ${items.length} files from ${items[0]?.file}`);
      for (const item of items) {
        mined.tick(item.file);
        this.#state.set(item, { workId: BigInt(item.sha256).toString() });
      }
      await this.#state.save();
    }
    mined.done();
  }
}

/** Items of one batch (submitter and root) together, in groups of at most {@link MAX_REVEAL_BATCH}. */
function groupsOf(items: readonly Item[]): Item[][] {
  const groups: Item[][] = [];
  for (const same of Map.groupBy(items, (i) => `${i.batch?.submitter}:${i.batch?.root}`).values()) {
    for (let k = 0; k < same.length; k += MAX_REVEAL_BATCH) groups.push(same.slice(k, k + MAX_REVEAL_BATCH));
  }
  return groups;
}
