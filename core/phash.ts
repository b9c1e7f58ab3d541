/**
 * Perceptual hashing for prior-art checks: a DCT pHash of an image's luminance, robust to resizing, re-encoding, small
 * crops and colour shifts. Two images whose hashes differ in at most {@link SIMILAR_DISTANCE} of 64 bits are flagged as
 * near-duplicates (a human decides; nothing is blocked). Pure: the caller decodes the image into RGBA pixels.
 */

/** Side of the luminance thumbnail the DCT runs on. */
const SIZE = 32;
/** Side of the block of lowest frequencies the hash keeps. */
const LOW = 8;

/** Hamming distance up to which two images count as near-duplicates (measured: see the README's table). */
export const SIMILAR_DISTANCE = 10;

const cosines: Float64Array[] = Array.from({ length: LOW }, (_, u) =>
  Float64Array.from({ length: SIZE }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SIZE))),
);

/** Luminance (Rec. 601) of RGBA pixels, composited on white so transparent areas read as paper. */
export function luminanceOf(rgba: Uint8Array, width: number, height: number): Float64Array {
  if (rgba.length < width * height * 4)
    throw new RangeError(`${width}x${height} RGBA needs ${width * height * 4} bytes`);
  const out = new Float64Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const a = (rgba[i * 4 + 3] ?? 255) / 255;
    const y = 0.299 * (rgba[i * 4] ?? 0) + 0.587 * (rgba[i * 4 + 1] ?? 0) + 0.114 * (rgba[i * 4 + 2] ?? 0);
    out[i] = y * a + 255 * (1 - a);
  }
  return out;
}

/**
 * Luminance as {@link luminanceOf}, averaged over k x k blocks when the image has more than `maxPixels` pixels (k the
 * smallest that brings it under): the 32x32 thumbnails the hashes are taken from average the same pixels, and a large
 * image no longer costs eight bytes a pixel.
 */
export function scaledLuminanceOf(
  rgba: Uint8Array,
  width: number,
  height: number,
  maxPixels: number,
): { gray: Float64Array; width: number; height: number } {
  if (width * height <= maxPixels) return { gray: luminanceOf(rgba, width, height), width, height };
  if (rgba.length < width * height * 4)
    throw new RangeError(`${width}x${height} RGBA needs ${width * height * 4} bytes`);
  const k = Math.ceil(Math.sqrt((width * height) / maxPixels));
  const w = Math.ceil(width / k);
  const h = Math.ceil(height / k);
  const sums = new Float64Array(w * h);
  const counts = new Uint32Array(w * h);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / k) * w;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const a = (rgba[i + 3] ?? 255) / 255;
      const l = 0.299 * (rgba[i] ?? 0) + 0.587 * (rgba[i + 1] ?? 0) + 0.114 * (rgba[i + 2] ?? 0);
      const cell = row + Math.floor(x / k);
      sums[cell] = (sums[cell] ?? 0) + l * a + 255 * (1 - a);
      counts[cell] = (counts[cell] ?? 0) + 1;
    }
  }
  for (let i = 0; i < sums.length; i++) sums[i] = (sums[i] ?? 0) / (counts[i] ?? 1);
  return { gray: sums, width: w, height: h };
}

/** A region of an image, in pixels: columns `[x0, x1)`, rows `[y0, y1)`. */
type Window = { x0: number; y0: number; x1: number; y1: number };

/** Averages a window of a luminance image into a 32x32 thumbnail (each pixel counts once, in the cell it falls in). */
function thumbnail(gray: Float64Array, width: number, window: Window): Float64Array {
  const { x0, y0, x1, y1 } = window;
  const w = x1 - x0;
  const h = y1 - y0;
  const sums = new Float64Array(SIZE * SIZE);
  const counts = new Uint32Array(SIZE * SIZE);
  for (let y = y0; y < y1; y++) {
    const row = Math.floor(((y - y0) * SIZE) / h) * SIZE;
    for (let x = x0; x < x1; x++) {
      const cell = row + Math.floor(((x - x0) * SIZE) / w);
      sums[cell] = (sums[cell] ?? 0) + (gray[y * width + x] ?? 0);
      counts[cell] = (counts[cell] ?? 0) + 1;
    }
  }
  // A window narrower or shorter than 32 pixels leaves cells empty: they take their nearest source pixel.
  for (let cy = 0; cy < SIZE; cy++) {
    for (let cx = 0; cx < SIZE; cx++) {
      const cell = cy * SIZE + cx;
      const count = counts[cell] ?? 0;
      if (count > 0) sums[cell] = (sums[cell] ?? 0) / count;
      else {
        const sx = x0 + Math.min(w - 1, Math.floor(((cx + 0.5) * w) / SIZE));
        const sy = y0 + Math.min(h - 1, Math.floor(((cy + 0.5) * h) / SIZE));
        sums[cell] = gray[sy * width + sx] ?? 0;
      }
    }
  }
  return sums;
}

/**
 * The 64-bit pHash of a luminance image, as 16 hex digits: the 8x8 lowest DCT-II frequencies of its 32x32 thumbnail,
 * one bit each, set when the coefficient is above the median of the 63 non-DC coefficients.
 */
export function perceptualHash(gray: Float64Array, width: number, height: number): string {
  if (width < 1 || height < 1 || gray.length < width * height) throw new RangeError("an image needs pixels");
  return hashOfThumbnail(thumbnail(gray, width, { x0: 0, y0: 0, x1: width, y1: height }));
}

function hashOfThumbnail(thumb: Float64Array): string {
  // Separable DCT: rows first (32 rows x 8 frequencies), then columns (8 x 8).
  const rows = new Float64Array(SIZE * LOW);
  for (let y = 0; y < SIZE; y++) {
    for (let u = 0; u < LOW; u++) {
      const c = cosines[u] as Float64Array;
      let sum = 0;
      for (let x = 0; x < SIZE; x++) sum += (thumb[y * SIZE + x] ?? 0) * (c[x] ?? 0);
      rows[y * LOW + u] = sum;
    }
  }
  const coefficients = new Float64Array(LOW * LOW);
  for (let v = 0; v < LOW; v++) {
    const c = cosines[v] as Float64Array;
    for (let u = 0; u < LOW; u++) {
      let sum = 0;
      for (let y = 0; y < SIZE; y++) sum += (rows[y * LOW + u] ?? 0) * (c[y] ?? 0);
      coefficients[v * LOW + u] = sum;
    }
  }
  const acs = [...coefficients.subarray(1)].sort((a, b) => a - b);
  const median = ((acs[31] ?? 0) + (acs[32] ?? 0)) / 2;
  let bits = 0n;
  for (let i = 0; i < LOW * LOW; i++) bits = (bits << 1n) | ((coefficients[i] ?? 0) > median ? 1n : 0n);
  return bits.toString(16).padStart(16, "0");
}

/** Number of differing bits between two 16-hex-digit hashes. */
export function hammingDistance(a: string, b: string): number {
  if (!/^[0-9a-f]{16}$/.test(a) || !/^[0-9a-f]{16}$/.test(b)) throw new RangeError("a pHash is 16 hex digits");
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (x) {
    count += Number(x & 1n);
    x >>= 1n;
  }
  return count;
}

/** Share of each edge cut off in the crop variants of a fingerprint. */
export const CROP_MARGIN = 0.035;

/**
 * What the store keeps of an image: its pHash, and the pHashes of its 15 crop variants (every combination of cutting
 * {@link CROP_MARGIN} off some of its four edges). A copy cropped by a few percent is far from the original's pHash (a
 * crop shifts the low frequencies the hash keeps) but near one of its variants.
 */
export type ImageFingerprint = { hash: string; variants: string[] };

/** The fingerprint of a luminance image. */
export function imageFingerprint(gray: Float64Array, width: number, height: number): ImageFingerprint {
  if (width < 1 || height < 1 || gray.length < width * height) throw new RangeError("an image needs pixels");
  const dx = Math.round(width * CROP_MARGIN);
  const dy = Math.round(height * CROP_MARGIN);
  const hashes: string[] = [];
  for (let mask = 0; mask < 16; mask++) {
    const window = {
      x0: mask & 1 ? dx : 0,
      x1: width - (mask & 2 ? dx : 0),
      y0: mask & 4 ? dy : 0,
      y1: height - (mask & 8 ? dy : 0),
    };
    hashes.push(hashOfThumbnail(thumbnail(gray, width, window)));
  }
  const [hash, ...variants] = hashes;
  return { hash: hash as string, variants };
}

/**
 * Distance between two images: the smallest Hamming distance between one's pHash and the other's pHash or crop
 * variants, either way round (so it holds whichever of the two was cropped).
 */
export function fingerprintDistance(a: ImageFingerprint | string, b: ImageFingerprint | string): number {
  const x = typeof a === "string" ? { hash: a, variants: [] } : a;
  const y = typeof b === "string" ? { hash: b, variants: [] } : b;
  let best = hammingDistance(x.hash, y.hash);
  for (const v of y.variants) best = Math.min(best, hammingDistance(x.hash, v));
  for (const v of x.variants) best = Math.min(best, hammingDistance(v, y.hash));
  return best;
}

/** The candidates within `maxDistance` of `query` (a pHash or a fingerprint), nearest first. */
export function nearDuplicates<T extends { hash: string; variants?: string[] }>(
  query: ImageFingerprint | string,
  candidates: readonly T[],
  maxDistance: number = SIMILAR_DISTANCE,
): (T & { distance: number })[] {
  return candidates
    .map((candidate) => ({
      ...candidate,
      distance: fingerprintDistance(query, { hash: candidate.hash, variants: candidate.variants ?? [] }),
    }))
    .filter((c) => c.distance <= maxDistance)
    .sort((a, b) => a.distance - b.distance);
}
