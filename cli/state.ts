// The state file of a folder's registration: each file's salt, requests and outcome, written before each next step.
import { readFile, rename, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Hex } from "viem";
import { CliError } from "./output.ts";

/** One file's progress. The salt is recorded before its commitment leaves, so a resumed run commits the same one. */
export type Item = {
  file: string;
  sha256: Hex;
  salt?: Hex;
  commitId?: string;
  batch?: { submitter: string; root: string; proof: string[] };
  /** The Merkle root of the folder's leaves this file was committed under (checked again on resume). */
  folderRoot?: Hex;
  revealId?: string;
  workId?: string;
  skipped?: string;
};

type Header = { server: string; creator: string; chainId: number; registry: string };
type Saved = Header & { version: 1; items: Item[] };

export type State = Awaited<ReturnType<typeof openState>>;

/**
 * Opens (or starts) the state file at `path` for this creator, chain and registry; refuses one made for others (a
 * salt is only good with its creator). Every update rewrites the file whole through a rename: a crash leaves the old
 * state or the new one, never half of either.
 */
export async function openState(path: string, header: Header) {
  let saved: Saved = { version: 1, ...header, items: [] };
  const text = await readFile(path, "utf8").catch(() => null);
  if (text !== null) {
    try {
      saved = JSON.parse(text) as Saved;
    } catch (error) {
      throw new CliError(`${path}: not a state file (${(error as Error).message})`);
    }
    for (const key of ["creator", "chainId", "registry"] as const) {
      if (String(saved[key]).toLowerCase() !== String(header[key]).toLowerCase()) {
        throw new CliError(`${path}: made for ${key} ${saved[key]}, not ${header[key]}; use another --state-file`);
      }
    }
  }
  const byFile = new Map(saved.items.map((i) => [resolve(i.file), i]));
  // Saves one at a time, each of the whole state as it is when it starts: concurrent updates never interleave.
  let saving: Promise<void> = Promise.resolve();
  const save = () => {
    saving = saving.then(async () => {
      saved.items = [...byFile.values()];
      await writeFile(`${path}.tmp`, `${JSON.stringify(saved, null, 2)}\n`);
      await rename(`${path}.tmp`, path);
    });
    return saving;
  };
  const set = (item: Item, change: Partial<Item>) => {
    Object.assign(item, change);
    byFile.set(resolve(item.file), item);
  };
  return {
    /** The file's item, started if new; a file whose content changed since its commitment starts again. */
    item(file: string, sha256: Hex): Item {
      const found = byFile.get(resolve(file));
      if (found && found.sha256 === sha256) return found;
      const item: Item = { file, sha256 };
      byFile.set(resolve(file), item);
      return item;
    },
    items: (): Item[] => [...byFile.values()],
    async update(item: Item, change: Partial<Item>): Promise<void> {
      set(item, change);
      await save();
    },
    /** The same change to several items, saved once. */
    async updateAll(items: readonly Item[], change: Partial<Item>): Promise<void> {
      for (const item of items) set(item, change);
      await save();
    },
    /**
     * A change kept in memory until the next save: for what a resumed run can recover without it (a request's id,
     * which the server gives again), never for what must be on disk before a request leaves (a salt).
     */
    set,
    /** {@link set} of the same change on several items. */
    setAll(items: readonly Item[], change: Partial<Item>): void {
      for (const item of items) set(item, change);
    },
    save,
    summary() {
      const items = [...byFile.values()];
      return {
        registered: items.filter((i) => i.workId).length,
        committed: items.filter((i) => i.batch && !i.workId).length,
        skipped: items.filter((i) => i.skipped).length,
        items,
      };
    },
  };
}
