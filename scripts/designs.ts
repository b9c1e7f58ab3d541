// Generated textile-like pattern designs (embroidery motifs, bands, stripes) as RGBA pixels and PNG files: for the
// demonstration market, the benchmarks and the perceptual-hash tests.
import { PNG } from "pngjs";
import { mulberry32 } from "./random.ts";

export type Rgba = { width: number; height: number; rgba: Uint8Array };
export type ImageFile = { bytes: Uint8Array; mediaType: "image/png" | "image/jpeg" };
type Colour = readonly [number, number, number];

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

export function encodePng({ width, height, rgba }: Rgba): ImageFile {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return { bytes: new Uint8Array(PNG.sync.write(png, { deflateLevel: 1, filterType: 1 })), mediaType: "image/png" };
}
