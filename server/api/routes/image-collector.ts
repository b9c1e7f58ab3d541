// Keeps an upload's bytes while it streams past, only when it is a PNG or JPEG small enough to fingerprint.

import type { ImageFingerprint } from "../../../core/phash.ts";
import { fingerprintOffThread } from "../../content/image-hasher.ts";
import { SNIFF_BYTES, sniffMediaType } from "../../content/media-type.ts";

/** Images up to this size are kept in memory while they stream, for their perceptual fingerprint. */
export const MAX_FINGERPRINTED_UPLOAD = 64 * 1024 * 1024;

export class ImageCollector {
  #chunks: Uint8Array[] | null = [];
  #size = 0;
  #type: string | null = null;

  /** Sees the next chunk: the first decides whether the upload is an image worth keeping. */
  push(chunk: Uint8Array): void {
    if (this.#chunks === null) return;
    if (this.#type === null) {
      this.#type = sniffMediaType(chunk.subarray(0, SNIFF_BYTES));
      if (!/^image\/(png|jpeg)$/.test(this.#type)) {
        this.#chunks = null;
        return;
      }
    }
    this.#size += chunk.length;
    if (this.#size > MAX_FINGERPRINTED_UPLOAD) this.#chunks = null;
    else this.#chunks.push(chunk);
  }

  /** The image's fingerprint (computed off the request thread); null when no image, too large, or undecodable. */
  async fingerprint(): Promise<ImageFingerprint | null> {
    if (!this.#chunks || !this.#type) return null;
    try {
      return await fingerprintOffThread(Buffer.concat(this.#chunks), this.#type);
    } catch {
      return null;
    }
  }
}
