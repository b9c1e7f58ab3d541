// Decodes PNG and JPEG uploads to luminance for the perceptual hash, refusing decompression bombs.
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { type ImageFingerprint, imageFingerprint, perceptualHash, scaledLuminanceOf } from "../../core/phash.ts";
import { ContentError } from "./errors.ts";

/**
 * Largest image decoded for hashing: a 4,000 x 3,000 photograph. Decoding takes four bytes a pixel (and a PNG as much
 * again while it is inflated), so this bounds what one upload can make the process hold to about 100 MB; a larger
 * image is stored, without a fingerprint (a decompression bomb of a few KB is refused before anything is allocated).
 */
export const MAX_PIXELS = 12_000_000;

/** Above this many pixels, luminance is averaged in blocks before hashing (the hashes use a 32 x 32 thumbnail). */
const HASHED_PIXELS = 1_048_576;

export type DecodedImage = { width: number; height: number; rgba: Uint8Array };

/** Decodes a PNG or JPEG into RGBA pixels; other media types are not images the store hashes. */
export function decodeImage(bytes: Uint8Array, mediaType: string): DecodedImage {
  if (mediaType === "image/png") {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // The size in the IHDR chunk is checked before decoding allocates the pixels (a decompression bomb).
    if (buffer.length >= 24 && buffer.toString("latin1", 12, 16) === "IHDR") {
      checkSize(buffer.readUInt32BE(16), buffer.readUInt32BE(20));
    }
    const png = PNG.sync.read(buffer);
    checkSize(png.width, png.height);
    return { width: png.width, height: png.height, rgba: png.data };
  }
  if (mediaType === "image/jpeg") {
    try {
      const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6 });
      return { width: image.width, height: image.height, rgba: image.data };
    } catch (error) {
      if (/maxResolutionInMP/.test((error as Error).message)) {
        throw new ContentError("TooLarge", `the JPEG is more than ${MAX_PIXELS} pixels to decode`);
      }
      throw error;
    }
  }
  throw new ContentError("NotAFile", `${mediaType} is not an image type the store can hash`);
}

/** The pHash of an image file, or `null` when its media type is not a hashable image. */
export function imageHashOf(bytes: Uint8Array, mediaType: string): string | null {
  if (mediaType !== "image/png" && mediaType !== "image/jpeg") return null;
  const decoded = decodeImage(bytes, mediaType);
  const { gray, width, height } = scaledLuminanceOf(decoded.rgba, decoded.width, decoded.height, HASHED_PIXELS);
  return perceptualHash(gray, width, height);
}

function checkSize(width: number, height: number): void {
  if (width * height > MAX_PIXELS) {
    throw new ContentError("TooLarge", `${width}x${height} is more than ${MAX_PIXELS} pixels to decode`);
  }
}

/** The fingerprint (pHash and crop variants) of an image file, or `null` when it is not a hashable image. */
export function imageFingerprintOf(bytes: Uint8Array, mediaType: string): ImageFingerprint | null {
  if (mediaType !== "image/png" && mediaType !== "image/jpeg") return null;
  const decoded = decodeImage(bytes, mediaType);
  const { gray, width, height } = scaledLuminanceOf(decoded.rgba, decoded.width, decoded.height, HASHED_PIXELS);
  return imageFingerprint(gray, width, height);
}
