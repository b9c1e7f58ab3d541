// The thread that decodes images and computes their fingerprints, so a large image never holds up the server's requests.
import { parentPort } from "node:worker_threads";
import { imageFingerprintOf } from "./image.ts";

type Job = { id: number; bytes: Uint8Array; mediaType: string };

parentPort?.on("message", ({ id, bytes, mediaType }: Job) => {
  try {
    parentPort?.postMessage({ id, fingerprint: imageFingerprintOf(bytes, mediaType) });
  } catch (error) {
    const e = error as Error & { code?: string };
    parentPort?.postMessage({ id, error: { name: e.name, message: e.message, code: e.code } });
  }
});
