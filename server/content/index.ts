// Opens the content store the configuration names: embedded, or Kubo at IPFS_API_URL.
import { join } from "node:path";
import type { ContentStore } from "./content-store.ts";
import { EmbeddedContentStore } from "./embedded-store.ts";
import { KuboContentStore } from "./kubo-store.ts";

export type { AddResult, ContentStore, GetOptions } from "./content-store.ts";
export { IMPORT_PARAMETERS } from "./content-store.ts";
export { ContentError } from "./errors.ts";

/** The content store's part of the configuration (read and validated at the entry point). */
export type ContentConfig = {
  /** The data directory; the store lives in `<dataDir>/ipfs`. */
  dataDir: string;
  /** Kubo's RPC API URL (`IPFS_API_URL`): when set, files go to that node instead of the embedded store. */
  ipfsApiUrl?: string | undefined;
  /** Largest file accepted, in bytes. */
  maxFileSize: number;
};

/** Opens the embedded store, or the Kubo-backed one when `ipfsApiUrl` is set. */
export async function openContentStore(config: ContentConfig): Promise<ContentStore> {
  const dir = join(config.dataDir, "ipfs");
  if (config.ipfsApiUrl) return KuboContentStore.open({ url: config.ipfsApiUrl, dir, maxFileSize: config.maxFileSize });
  return EmbeddedContentStore.open({ dir, maxFileSize: config.maxFileSize });
}
