// Fingerprints images on a worker thread started on first use, one at a time, and stopped when idle.
import { Worker } from "node:worker_threads";
import type { ImageFingerprint } from "../../core/phash.ts";
import { ContentError, type ContentErrorCode } from "./errors.ts";

type Reply = {
  id: number;
  fingerprint?: ImageFingerprint | null;
  error?: { name: string; message: string; code?: string };
};

/** A worker left with nothing to do this long is stopped (it holds a V8 heap and the decoders). */
const IDLE_MS = 30_000;

let worker: Worker | null = null;
let idle: NodeJS.Timeout | null = null;
let nextId = 0;
const pending = new Map<number, { resolve: (f: ImageFingerprint | null) => void; reject: (e: Error) => void }>();

function started(): Worker {
  if (idle) clearTimeout(idle);
  idle = null;
  if (worker) return worker;
  // Beside this module, as TypeScript or (in dist/) compiled: the same extension as this file's.
  const created = new Worker(
    new URL(`./image-worker${import.meta.url.slice(import.meta.url.lastIndexOf("."))}`, import.meta.url),
  );
  created.unref();
  created.on("message", ({ id, fingerprint, error }: Reply) => {
    const job = pending.get(id);
    pending.delete(id);
    if (!job) return;
    if (error) {
      job.reject(
        error.name === "ContentError"
          ? new ContentError(error.code as ContentErrorCode, error.message)
          : Object.assign(new Error(error.message), { name: error.name }),
      );
    } else job.resolve(fingerprint ?? null);
    if (pending.size === 0) idle = setTimeout(() => void stop(), IDLE_MS).unref();
  });
  // A worker that dies (out of memory on a hostile image) fails what it held; the next call starts another.
  created.on("error", (error) => fail(created, error));
  created.on("exit", (code) => fail(created, new Error(`the image worker stopped (exit code ${code})`)));
  worker = created;
  return created;
}

function fail(which: Worker, error: Error): void {
  if (worker !== which) return;
  worker = null;
  for (const job of pending.values()) job.reject(error);
  pending.clear();
}

async function stop(): Promise<void> {
  const stopping = worker;
  worker = null;
  await stopping?.terminate();
}

/**
 * The fingerprint of an image file (as `imageFingerprintOf` in `./image.ts`), computed on the worker thread; the bytes
 * are copied to it. Rejects as that function throws (ContentError TooLarge for a decompression bomb).
 */
export function fingerprintOffThread(bytes: Uint8Array, mediaType: string): Promise<ImageFingerprint | null> {
  if (mediaType !== "image/png" && mediaType !== "image/jpeg") return Promise.resolve(null);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    started().postMessage({ id, bytes, mediaType });
  });
}
