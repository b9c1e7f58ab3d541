/**
 * Test images for the perceptual-hash checks: a seeded generator of textile-like pattern designs (embroidery motifs,
 * bands, stripes) and the real transformations a copier applies (bilinear resize, JPEG re-encode, crop, colour shift),
 * all on RGBA pixels and written out as real PNG or JPEG files.
 */
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { encodePng, generateDesign, type ImageFile, type Rgba } from "../../scripts/designs.ts";
import { mulberry32 } from "../../scripts/random.ts";

export { encodePng, generateDesign, type ImageFile, mulberry32, type Rgba };

type Colour = readonly [number, number, number];

// ---------------------------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------------------------

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
