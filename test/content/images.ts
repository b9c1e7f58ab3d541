/**
 * Test images for the perceptual-hash checks: a seeded generator of textile-like pattern designs (embroidery motifs,
 * bands, stripes) and the real transformations a copier applies (bilinear resize, JPEG re-encode, crop, colour shift),
 * all on RGBA pixels and written out as real PNG or JPEG files.
 */
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { mulberry32 } from "../../scripts/random.ts";

export type Rgba = { width: number; height: number; rgba: Uint8Array };
export type ImageFile = { bytes: Uint8Array; mediaType: "image/png" | "image/jpeg" };
type Colour = readonly [number, number, number];

export { mulberry32 };

// ---------------------------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------------------------

/** A motif drawn in a cell, as a predicate on cell coordinates u, v in [-1, 1]. */
type Motif = (u: number, v: number) => boolean;

/** A Greek-key (meander) unit, 8x8, tiling seamlessly along a row. */
const MEANDER = ["########", "#......#", "#.####.#", "#.#..#.#", "#.#.##.#", "#.#....#", "#.######", "#......."];

function makeMotif(random: () => number): Motif {
  const kind = Math.floor(random() * 8);
  switch (kind) {
    case 0: {
      const r = 0.6 + random() * 0.35;
      return (u, v) => Math.abs(u) + Math.abs(v) < r; // diamond
    }
    case 1: {
      const outer = 0.75 + random() * 0.2;
      const inner = outer * (0.35 + random() * 0.3);
      return (u, v) => {
        const d = Math.abs(u) + Math.abs(v);
        return d < outer && (d > inner || d < inner * 0.4); // hollow diamond with a centre dot
      };
    }
    case 2: {
      const w = 0.15 + random() * 0.2;
      const r = 0.7 + random() * 0.25;
      return (u, v) => (Math.abs(u) < w && Math.abs(v) < r) || (Math.abs(v) < w && Math.abs(u) < r); // cross
    }
    case 3:
      return (u, v) => {
        const col = Math.min(7, Math.floor(((u + 1) / 2) * 8));
        const row = Math.min(7, Math.floor(((v + 1) / 2) * 8));
        return MEANDER[row]?.[col] === "#"; // meander
      };
    case 4: {
      const turns = 1.5 + random() * 1.5;
      const sense = random() < 0.5 ? 1 : -1;
      return (u, v) => {
        const r = Math.hypot(u, v);
        const t = (sense * Math.atan2(v, u)) / (2 * Math.PI);
        const f = r * turns - t;
        return r < 0.95 && f - Math.floor(f) < 0.45; // cloud scroll (spiral)
      };
    }
    case 5: {
      const petals = [4, 5, 6, 8][Math.floor(random() * 4)] ?? 6;
      const a = 0.45 + random() * 0.15;
      return (u, v) => Math.hypot(u, v) < a + 0.4 * Math.cos(petals * Math.atan2(v, u)); // flower / star
    }
    case 6: {
      const k = 1 + Math.floor(random() * 3);
      return (u, v) => {
        const f = (v + Math.abs(u)) * k;
        return f - Math.floor(f) < 0.5; // chevron
      };
    }
    default: {
      const r = 0.5 + random() * 0.4;
      return (u, v) => Math.max(Math.abs(u), Math.abs(v)) < r && Math.abs(u) + Math.abs(v) > r * 0.6; // framed lozenge
    }
  }
}

/** A region of the image a layer is confined to. */
type Region = (x: number, y: number) => boolean;

function makeRegion(random: () => number, size: number): Region {
  const kind = random();
  if (kind < 0.35) return () => true;
  if (kind < 0.6) {
    const a = random() * size * 0.7;
    const b = a + size * (0.15 + random() * 0.35);
    return random() < 0.5 ? (_x, y) => y >= a && y < b : (x) => x >= a && x < b; // a band
  }
  if (kind < 0.8) {
    const cx = size * (0.25 + random() * 0.5);
    const cy = size * (0.25 + random() * 0.5);
    const r = size * (0.2 + random() * 0.25);
    return random() < 0.5
      ? (x, y) => Math.hypot(x - cx, y - cy) < r
      : (x, y) => Math.abs(x - cx) + Math.abs(y - cy) < r;
  }
  const x0 = random() * size * 0.5;
  const y0 = random() * size * 0.5;
  const x1 = x0 + size * (0.3 + random() * 0.4);
  const y1 = y0 + size * (0.3 + random() * 0.4);
  return (x, y) => x >= x0 && x < x1 && y >= y0 && y < y1; // a panel
}

function hslToRgb(h: number, s: number, l: number): Colour {
  const f = (n: number): number => {
    const k = (n + h * 12) % 12;
    const a = s * Math.min(l, 1 - l);
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

function randomColour(random: () => number): Colour {
  return hslToRgb(random(), 0.3 + random() * 0.7, 0.15 + random() * 0.7);
}

class Canvas {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.rgba = new Uint8Array(width * height * 4);
  }
  set(x: number, y: number, [r, g, b]: Colour): void {
    const i = (y * this.width + x) * 4;
    this.rgba[i] = r;
    this.rgba[i + 1] = g;
    this.rgba[i + 2] = b;
    this.rgba[i + 3] = 255;
  }
  fill(colour: Colour, where: (x: number, y: number) => boolean): void {
    for (let y = 0; y < this.height; y++) for (let x = 0; x < this.width; x++) if (where(x, y)) this.set(x, y, colour);
  }
}

/**
 * One textile-like design, fully determined by `seed`: a ground colour, bands (some striped), one to three motif
 * fields (tiled on a possibly half-drop grid, or scattered at random scales), each confined to a region, and sometimes
 * a large medallion.
 */
export function generateDesign(seed: number, size = 256): Rgba {
  const random = mulberry32(seed);
  const canvas = new Canvas(size, size);
  canvas.fill(randomColour(random), () => true);

  const bands = Math.floor(random() * 4);
  for (let i = 0; i < bands; i++) {
    const colour = randomColour(random);
    const start = random() * size;
    const end = start + size * (0.04 + random() * 0.2);
    const horizontal = random() < 0.6;
    const striped = random() < 0.4;
    const period = 3 + Math.floor(random() * 10);
    canvas.fill(colour, (x, y) => {
      const t = horizontal ? y : x;
      return t >= start && t < end && (!striped || Math.floor((horizontal ? x + y : y + x) / period) % 2 === 0);
    });
  }

  if (random() < 0.4) {
    const colour = randomColour(random);
    const cx = size * (0.3 + random() * 0.4);
    const cy = size * (0.3 + random() * 0.4);
    const r = size * (0.2 + random() * 0.25);
    const shape = makeMotif(random);
    canvas.fill(colour, (x, y) => {
      const u = (x - cx) / r;
      const v = (y - cy) / r;
      return Math.abs(u) <= 1 && Math.abs(v) <= 1 && shape(u, v);
    });
  }

  const fields = 1 + Math.floor(random() * 3);
  for (let f = 0; f < fields; f++) {
    const colour = randomColour(random);
    const motif = makeMotif(random);
    const region = makeRegion(random, size);
    if (random() < 0.65) {
      // Tiled on a grid, possibly half-drop, with a random offset and spacing.
      const cell = 14 + random() * 50;
      const fill = 0.6 + random() * 0.35;
      const ox = random() * cell;
      const oy = random() * cell;
      const halfDrop = random() < 0.5;
      canvas.fill(colour, (x, y) => {
        if (!region(x, y)) return false;
        const row = Math.floor((y - oy) / cell);
        const shift = halfDrop && row % 2 !== 0 ? cell / 2 : 0;
        const gx = (x - ox - shift) / cell;
        const gy = (y - oy) / cell;
        const u = ((gx - Math.floor(gx)) * 2 - 1) / fill;
        const v = ((gy - Math.floor(gy)) * 2 - 1) / fill;
        return Math.abs(u) <= 1 && Math.abs(v) <= 1 && motif(u, v);
      });
    } else {
      // Scattered at random positions and scales.
      const count = 4 + Math.floor(random() * 18);
      for (let i = 0; i < count; i++) {
        const cx = random() * size;
        const cy = random() * size;
        const r = 8 + random() * 40;
        const x0 = Math.max(0, Math.floor(cx - r));
        const x1 = Math.min(size - 1, Math.ceil(cx + r));
        const y0 = Math.max(0, Math.floor(cy - r));
        const y1 = Math.min(size - 1, Math.ceil(cy + r));
        for (let y = y0; y <= y1; y++) {
          for (let x = x0; x <= x1; x++) {
            if (region(x, y) && motif((x - cx) / r, (y - cy) / r)) canvas.set(x, y, colour);
          }
        }
      }
    }
  }
  return { width: size, height: size, rgba: canvas.rgba };
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------------------------

export function encodePng({ width, height, rgba }: Rgba): ImageFile {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return { bytes: new Uint8Array(PNG.sync.write(png, { deflateLevel: 1, filterType: 1 })), mediaType: "image/png" };
}

export function encodeJpeg({ width, height, rgba }: Rgba, quality: number): ImageFile {
  return { bytes: new Uint8Array(jpeg.encode({ width, height, data: rgba }, quality).data), mediaType: "image/jpeg" };
}

/** Decodes a file this module wrote (for chaining transformations through a real re-encode). */
export function decode(file: ImageFile): Rgba {
  if (file.mediaType === "image/png") {
    const png = PNG.sync.read(Buffer.from(file.bytes));
    return { width: png.width, height: png.height, rgba: new Uint8Array(png.data) };
  }
  const image = jpeg.decode(file.bytes, { useTArray: true, formatAsRGBA: true });
  return { width: image.width, height: image.height, rgba: image.data };
}

// ---------------------------------------------------------------------------------------------------------------
// Transformations (pixels in, pixels out)
// ---------------------------------------------------------------------------------------------------------------

const clamp = (value: number): number => (value < 0 ? 0 : value > 255 ? 255 : Math.round(value));

/** Bilinear resampling to `width` x `height` (pixel centres aligned, edges clamped). */
export function resizeBilinear(image: Rgba, width: number, height: number): Rgba {
  const src = image.rgba;
  const stride = image.width * 4;
  const out = new Uint8Array(width * height * 4);
  const sx = image.width / width;
  const sy = image.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(image.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(image.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(image.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(image.width - 1, x0 + 1);
      const wx = fx - x0;
      const a = y0 * stride + x0 * 4;
      const b = y0 * stride + x1 * 4;
      const c = y1 * stride + x0 * 4;
      const d = y1 * stride + x1 * 4;
      const o = (y * width + x) * 4;
      for (let k = 0; k < 4; k++) {
        const top = (src[a + k] as number) * (1 - wx) + (src[b + k] as number) * wx;
        const bottom = (src[c + k] as number) * (1 - wx) + (src[d + k] as number) * wx;
        out[o + k] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return { width, height, rgba: out };
}

export function scale(image: Rgba, factor: number): Rgba {
  return resizeBilinear(image, Math.round(image.width * factor), Math.round(image.height * factor));
}

/** Nearest-neighbour upscale by an integer factor (every pixel becomes a factor x factor block). */
export function upscaleNearest(image: Rgba, factor: number): Rgba {
  const width = image.width * factor;
  const height = image.height * factor;
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (Math.floor(y / factor) * image.width + Math.floor(x / factor)) * 4;
      out.set(image.rgba.subarray(from, from + 4), (y * width + x) * 4);
    }
  }
  return { width, height, rgba: out };
}

/** Cuts the given fractions of the width/height off each edge. */
export function crop(image: Rgba, edges: { left?: number; top?: number; right?: number; bottom?: number }): Rgba {
  const left = Math.round((edges.left ?? 0) * image.width);
  const right = Math.round((edges.right ?? 0) * image.width);
  const top = Math.round((edges.top ?? 0) * image.height);
  const bottom = Math.round((edges.bottom ?? 0) * image.height);
  const width = image.width - left - right;
  const height = image.height - top - bottom;
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const from = ((y + top) * image.width + left) * 4;
    out.set(image.rgba.subarray(from, from + width * 4), y * width * 4);
  }
  return { width, height, rgba: out };
}

function mapColours(image: Rgba, f: (r: number, g: number, b: number) => Colour): Rgba {
  const out = new Uint8Array(image.rgba);
  for (let i = 0; i < out.length; i += 4) {
    const [r, g, b] = f(out[i] ?? 0, out[i + 1] ?? 0, out[i + 2] ?? 0);
    out[i] = clamp(r);
    out[i + 1] = clamp(g);
    out[i + 2] = clamp(b);
  }
  return { width: image.width, height: image.height, rgba: out };
}

/** Multiplies every channel by `factor` (1.1 = 10% brighter), clamped to 0..255. */
export function brightness(image: Rgba, factor: number): Rgba {
  return mapColours(image, (r, g, b) => [r * factor, g * factor, b * factor]);
}

/** Adds `delta` to one channel (0 red, 1 green, 2 blue), clamped. */
export function channelOffset(image: Rgba, channel: 0 | 1 | 2, delta: number): Rgba {
  return mapColours(image, (r, g, b) => {
    const c: [number, number, number] = [r, g, b];
    c[channel] += delta;
    return c;
  });
}

/** Rotates hue by `degrees` with the (luminance-preserving in theory, clamped in practice) CSS hue-rotate matrix. */
export function hueRotate(image: Rgba, degrees: number): Rgba {
  const a = (degrees * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const m = [
    0.213 + cos * 0.787 - sin * 0.213,
    0.715 - cos * 0.715 - sin * 0.715,
    0.072 - cos * 0.072 + sin * 0.928,
    0.213 - cos * 0.213 + sin * 0.143,
    0.715 + cos * 0.285 + sin * 0.14,
    0.072 - cos * 0.072 - sin * 0.283,
    0.213 - cos * 0.213 - sin * 0.787,
    0.715 - cos * 0.715 + sin * 0.715,
    0.072 + cos * 0.928 + sin * 0.072,
  ] as const;
  return mapColours(image, (r, g, b) => [
    m[0] * r + m[1] * g + m[2] * b,
    m[3] * r + m[4] * g + m[5] * b,
    m[6] * r + m[7] * g + m[8] * b,
  ]);
}
