/** What `add` returns: computed in one streaming pass over the file. */
export type AddResult = {
  /** sha256 of the file, 0x-hex: the work id's content hash. */
  sha256: `0x${string}`;
  /** CIDv1 (base32) of the file, as `ipfs add --cid-version 1` gives it. */
  cid: string;
  size: number;
  mediaType: string;
};

export type AddOptions = { mediaType?: string; signal?: AbortSignal };
export type GetOptions = { offset?: number; length?: number; signal?: AbortSignal };

/**
 * The content store: the one interface over the embedded Helia-compatible store and an external Kubo node. Files are
 * streamed in and out, never held whole in memory; every block read is checked against its hash.
 */
export interface ContentStore {
  /** Stores a file from a stream of chunks; refuses files over the configured size, leaving nothing behind. */
  add(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: AddOptions): Promise<AddResult>;
  /** Streams a file's bytes (or a range of them), verified block by block. */
  get(cid: string, options?: GetOptions): AsyncIterable<Uint8Array>;
  /** The file's size, from its root block (verified); `NotFound` when it is not stored. */
  stat(cid: string, options?: { signal?: AbortSignal }): Promise<{ size: number }>;
  /** Whether the whole file is stored here. */
  has(cid: string): Promise<boolean>;
  /** Keeps a file for good (a registered work references it). */
  pin(cid: string): Promise<void>;
  /**
   * Deletes uploads never pinned and older than `olderThanMs`, except those `keep` names (CIDs in any version; a
   * profile's picture, say); returns the root CIDs removed.
   */
  collectGarbage(olderThanMs: number, keep?: Iterable<string>): Promise<string[]>;
  close(): Promise<void>;
}

/** The UnixFS import parameters of `ipfs add --cid-version 1` (Kubo's defaults with CIDv1), documented for users. */
export const IMPORT_PARAMETERS = {
  cidVersion: 1,
  rawLeaves: true,
  chunkSize: 262_144,
  layout: "balanced",
  maxChildrenPerNode: 174,
  reduceSingleLeafToSelf: true,
} as const;
