// Prior-art similarity on generated textile designs and their re-encoded, cropped and recoloured copies.
import { expect } from "chai";
import {
  fingerprintDistance,
  hammingDistance,
  type ImageFingerprint,
  imageFingerprint,
  luminanceOf,
  nearDuplicates,
  perceptualHash,
  SIMILAR_DISTANCE,
  scaledLuminanceOf,
} from "../../core/phash.ts";
import { ContentError } from "../../server/content/errors.ts";
import { decodeImage, imageFingerprintOf, imageHashOf, MAX_PIXELS } from "../../server/content/image.ts";
import {
  brightness,
  channelOffset,
  crop,
  decode,
  encodeJpeg,
  encodePng,
  generateDesign,
  hueRotate,
  type ImageFile,
  type Rgba,
  resizeBilinear,
  scale,
  upscaleNearest,
} from "./images.ts";

/** The fingerprint (pHash and crop variants) the store keeps of a file, through its own decoders. */
function fingerprintOf(file: ImageFile): ImageFingerprint {
  const fingerprint = imageFingerprintOf(file.bytes, file.mediaType);
  if (fingerprint === null) throw new Error(`${file.mediaType} was not hashed`);
  return fingerprint;
}

function hashPixels({ width, height, rgba }: Rgba): string {
  return perceptualHash(luminanceOf(rgba, width, height), width, height);
}

/** Re-encodes as a lossy JPEG and decodes it again (an intermediate save in a chain of edits). */
const viaJpeg = (image: Rgba, quality: number): Rgba => decode(encodeJpeg(image, quality));

/** The altered copies a copier might upload, each a real PNG or JPEG file made from the original's pixels. */
const TRANSFORMATIONS: readonly { name: string; apply: (image: Rgba) => ImageFile }[] = [
  { name: "resize 50% (bilinear)", apply: (i) => encodePng(scale(i, 0.5)) },
  { name: "resize 75% (bilinear)", apply: (i) => encodePng(scale(i, 0.75)) },
  { name: "resize 150% (bilinear)", apply: (i) => encodePng(scale(i, 1.5)) },
  { name: "JPEG q85", apply: (i) => encodeJpeg(i, 85) },
  { name: "JPEG q50", apply: (i) => encodeJpeg(i, 50) },
  {
    name: "crop 2% every edge",
    apply: (i) => encodePng(crop(i, { left: 0.02, top: 0.02, right: 0.02, bottom: 0.02 })),
  },
  { name: "crop 5% left", apply: (i) => encodePng(crop(i, { left: 0.05 })) },
  { name: "crop 3% top, 4% right", apply: (i) => encodePng(crop(i, { top: 0.03, right: 0.04 })) },
  { name: "crop 5% top, 5% left", apply: (i) => encodePng(crop(i, { top: 0.05, left: 0.05 })) },
  { name: "brightness +10%", apply: (i) => encodePng(brightness(i, 1.1)) },
  { name: "brightness -10%", apply: (i) => encodePng(brightness(i, 0.9)) },
  { name: "red +15", apply: (i) => encodePng(channelOffset(i, 0, 15)) },
  { name: "hue +10 deg", apply: (i) => encodePng(hueRotate(i, 10)) },
  {
    name: "resize 60% > JPEG q75 > crop 3% > JPEG q80",
    apply: (i) => encodeJpeg(crop(viaJpeg(scale(i, 0.6), 75), { left: 0.03, bottom: 0.03 }), 80),
  },
  {
    name: "crop 2% > brightness -10% > resize 150% > JPEG q60",
    apply: (i) => encodeJpeg(scale(brightness(crop(i, { right: 0.02, bottom: 0.02 }), 0.9), 1.5), 60),
  },
  {
    name: "hue -8 deg > resize 75% > JPEG q50",
    apply: (i) => encodeJpeg(scale(hueRotate(i, -8), 0.75), 50),
  },
];

const DESIGNS = 60;
const SEED = 0x7e5713;

describe("perceptual hash (core/phash.ts)", () => {
  describe("hammingDistance", () => {
    it("is 0 for equal hashes and counts differing bits", () => {
      expect(hammingDistance("0123456789abcdef", "0123456789abcdef")).to.equal(0);
      expect(hammingDistance("ffffffffffffffff", "0000000000000000")).to.equal(64);
      expect(hammingDistance("0000000000000000", "0000000000000001")).to.equal(1);
      expect(hammingDistance("8000000000000000", "0000000000000001")).to.equal(2);
      expect(hammingDistance("00000000000000ff", "0000000000000000")).to.equal(8);
      expect(hammingDistance("aaaaaaaaaaaaaaaa", "5555555555555555")).to.equal(64);
      expect(hammingDistance("f0f0f0f0f0f0f0f0", "ff00ff00ff00ff00")).to.equal(32);
    });

    it("is symmetric", () => {
      expect(hammingDistance("0123456789abcdef", "fedcba9876543210")).to.equal(
        hammingDistance("fedcba9876543210", "0123456789abcdef"),
      );
    });

    it("rejects anything but 16 lowercase hex digits with a RangeError", () => {
      const good = "0123456789abcdef";
      for (const bad of [
        "",
        "0123456789abcde",
        "0123456789abcdef0",
        "0123456789ABCDEF",
        "0123456789abcdeg",
        "0x23456789abcdef",
      ]) {
        expect(() => hammingDistance(bad, good), bad).to.throw(RangeError);
        expect(() => hammingDistance(good, bad), bad).to.throw(RangeError);
      }
    });
  });

  describe("perceptualHash", () => {
    const design = generateDesign(SEED);

    it("is 16 hex digits and deterministic", () => {
      const hash = hashPixels(design);
      expect(hash).to.match(/^[0-9a-f]{16}$/);
      expect(hashPixels(design)).to.equal(hash);
      expect(hashPixels(generateDesign(SEED))).to.equal(hash);
    });

    it("gives an exact 2x nearest-neighbour upscale the same hash (distance <= 2)", () => {
      const hash = hashPixels(design);
      const upscaled = hashPixels(upscaleNearest(design, 2));
      expect(hammingDistance(hash, upscaled)).to.be.at.most(2);
    });

    it("hashes images smaller than its 32x32 thumbnail (1x1, 3x40, 40x3)", () => {
      const one = { width: 1, height: 1, rgba: new Uint8Array([200, 100, 50, 255]) };
      expect(hashPixels(one)).to.match(/^[0-9a-f]{16}$/);
      expect(hashPixels(one)).to.equal(hashPixels(one));
      for (const [width, height] of [
        [3, 40],
        [40, 3],
      ] as const) {
        const strip = resizeBilinear(design, width, height);
        expect(hashPixels(strip)).to.match(/^[0-9a-f]{16}$/);
      }
      // A tall strip and the same strip transposed are different images.
      const tall = resizeBilinear(design, 3, 40);
      const transposed = new Uint8Array(tall.rgba.length);
      for (let y = 0; y < 40; y++)
        for (let x = 0; x < 3; x++)
          transposed.set(tall.rgba.subarray((y * 3 + x) * 4, (y * 3 + x) * 4 + 4), (x * 40 + y) * 4);
      expect(hashPixels(tall)).to.not.equal(hashPixels({ width: 40, height: 3, rgba: transposed }));
    });

    it("rejects an image without pixels with a RangeError", () => {
      expect(() => perceptualHash(new Float64Array(0), 0, 0)).to.throw(RangeError);
      expect(() => perceptualHash(new Float64Array(3), 2, 2)).to.throw(RangeError);
    });

    it("hashes a flat image stably (its bits come from rounding noise)", () => {
      const flat = (v: number): Rgba => ({ width: 16, height: 16, rgba: new Uint8Array(16 * 16 * 4).fill(v) });
      // All AC coefficients of a flat image are zero up to floating-point rounding, and the hash thresholds that noise
      // against its median: the bits carry no information (flat grey 10 and flat grey 200 differ in 13 bits). What can
      // be asserted is only that the hash is valid and stable.
      expect(hashPixels(flat(10))).to.match(/^[0-9a-f]{16}$/);
      expect(hashPixels(flat(10))).to.equal(hashPixels(flat(10)));
    });
  });

  describe("luminanceOf", () => {
    it("uses Rec. 601 weights and composites transparency on white", () => {
      const rgba = new Uint8Array([
        ...[255, 0, 0, 255], // opaque red
        ...[0, 0, 0, 0], // fully transparent black: paper
        ...[0, 0, 0, 255], // opaque black
        ...[0, 0, 0, 51], // 20% black over white
        ...[255, 255, 255, 255], // opaque white
        ...[0, 255, 0, 255], // opaque green
      ]);
      const y = luminanceOf(rgba, 3, 2);
      expect(y[0]).to.be.closeTo(0.299 * 255, 1e-9);
      expect(y[1]).to.be.closeTo(255, 1e-9);
      expect(y[2]).to.be.closeTo(0, 1e-9);
      expect(y[3]).to.be.closeTo(255 * 0.8, 1e-9);
      expect(y[4]).to.be.closeTo(255, 1e-9);
      expect(y[5]).to.be.closeTo(0.587 * 255, 1e-9);
    });

    it("hashes a transparent design as the same design on white", () => {
      const design = generateDesign(SEED + 1);
      const onWhite = new Uint8Array(design.rgba);
      const transparent = new Uint8Array(design.rgba);
      // Make every pixel darker than mid-grey fully transparent: it must read as white.
      for (let i = 0; i < transparent.length; i += 4) {
        const y = luminanceOf(design.rgba.subarray(i, i + 4), 1, 1)[0] ?? 0;
        if (y < 128) {
          transparent[i + 3] = 0;
          onWhite.fill(255, i, i + 4);
        }
      }
      expect(hashPixels({ ...design, rgba: transparent })).to.equal(hashPixels({ ...design, rgba: onWhite }));
    });

    it("rejects a buffer too short for its dimensions", () => {
      expect(() => luminanceOf(new Uint8Array(15), 2, 2)).to.throw(RangeError);
    });
  });

  describe("nearDuplicates", () => {
    const query = "0000000000000000";
    const candidates = [
      { id: "far", hash: "00000000000007ff" }, // 11 bits
      { id: "exact", hash: "0000000000000000" }, // 0
      { id: "edge", hash: "00000000000003ff" }, // 10 = SIMILAR_DISTANCE
      { id: "near", hash: "1000000000000001" }, // 2
      { id: "opposite", hash: "ffffffffffffffff" }, // 64
    ];

    it("returns the candidates within SIMILAR_DISTANCE, nearest first, with their distance", () => {
      expect(SIMILAR_DISTANCE).to.equal(10);
      expect(nearDuplicates(query, candidates).map((c) => [c.id, c.distance])).to.deep.equal([
        ["exact", 0],
        ["near", 2],
        ["edge", 10],
      ]);
    });

    it("honours an explicit maximum distance and keeps the candidates' fields", () => {
      expect(nearDuplicates(query, candidates, 2).map((c) => c.id)).to.deep.equal(["exact", "near"]);
      expect(nearDuplicates(query, candidates, 0)).to.deep.equal([{ id: "exact", hash: query, distance: 0 }]);
      expect(nearDuplicates(query, candidates, 64).map((c) => c.id)).to.deep.equal([
        "exact",
        "near",
        "edge",
        "far",
        "opposite",
      ]);
      expect(nearDuplicates(query, [])).to.deep.equal([]);
    });

    it("rejects a malformed candidate hash", () => {
      expect(() => nearDuplicates(query, [{ hash: "xyz" }])).to.throw(RangeError);
    });
  });
});

describe("image decoding (server/content/image.ts)", () => {
  const design = generateDesign(SEED + 2, 64);

  it("decodes real PNG and JPEG files and hashes them", () => {
    const png = encodePng(design);
    const decoded = decodeImage(png.bytes, "image/png");
    expect([decoded.width, decoded.height]).to.deep.equal([64, 64]);
    expect(Buffer.from(decoded.rgba).equals(Buffer.from(design.rgba))).to.equal(true);
    expect(imageHashOf(png.bytes, "image/png")).to.equal(hashPixels(design));

    const jpg = encodeJpeg(design, 90);
    const fromJpeg = decodeImage(jpg.bytes, "image/jpeg");
    expect([fromJpeg.width, fromJpeg.height]).to.deep.equal([64, 64]);
    expect(imageHashOf(jpg.bytes, "image/jpeg")).to.match(/^[0-9a-f]{16}$/);
  });

  it("hashes only PNG and JPEG: other media types give null, and decodeImage refuses them as NotAFile", () => {
    const png = encodePng(design).bytes;
    expect(imageHashOf(png, "application/pdf")).to.equal(null);
    expect(imageHashOf(png, "image/gif")).to.equal(null);
    expect(imageHashOf(png, "image/PNG")).to.equal(null);
    expect(() => decodeImage(png, "application/pdf"))
      .to.throw(ContentError)
      .with.property("code", "NotAFile");
  });

  it("throws on bytes that are not the image they claim to be", () => {
    const junk = new TextEncoder().encode("%PDF-1.7 not an image at all");
    expect(() => imageHashOf(junk, "image/png")).to.throw(Error);
    expect(() => imageHashOf(junk, "image/jpeg")).to.throw(Error);
  });

  it("refuses a JPEG whose frame header claims more than MAX_PIXELS (jpeg-js's own limit, before decoding)", () => {
    const jpg = Buffer.from(encodeJpeg(design, 80).bytes);
    // Rewrite the SOF0 frame's height and width (bytes 5..8 after the marker) to 10000 x 10000.
    const sof = jpg.indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).to.be.greaterThan(0);
    jpg.writeUInt16BE(10_000, sof + 5);
    jpg.writeUInt16BE(10_000, sof + 7);
    expect(10_000 * 10_000).to.be.greaterThan(MAX_PIXELS);
    expect(() => decodeImage(jpg, "image/jpeg"))
      .to.throw(ContentError)
      .with.property("code", "TooLarge");
  });

  it("fingerprints a large image from block-averaged luminance as it would from every pixel", () => {
    // 2,400 x 2,400 (5.8 M pixels) averaged in 3 x 3 blocks to 800 x 800 before hashing.
    const big = upscaleNearest(generateDesign(4_242, 240), 10);
    expect(big.width * big.height).to.be.greaterThan(1_048_576);
    const scaled = scaledLuminanceOf(big.rgba, big.width, big.height, 1_048_576);
    expect([scaled.width, scaled.height]).to.deep.equal([800, 800]);
    const full = imageFingerprint(luminanceOf(big.rgba, big.width, big.height), big.width, big.height);
    const averaged = imageFingerprint(scaled.gray, scaled.width, scaled.height);
    expect(hammingDistance(full.hash, averaged.hash)).to.be.at.most(2);
    expect(fingerprintDistance(full, averaged)).to.be.at.most(2);
    // The store's own path uses it: the same fingerprint, through the PNG decoder.
    expect(imageFingerprintOf(encodePng(big).bytes, "image/png")?.hash).to.equal(averaged.hash);
    // Small images are hashed from every pixel, unchanged.
    const small = generateDesign(4_242, 240);
    expect(scaledLuminanceOf(small.rgba, small.width, small.height, 1_048_576).gray).to.deep.equal(
      luminanceOf(small.rgba, small.width, small.height),
    );
  });

  it("refuses a PNG whose header claims more than MAX_PIXELS with ContentError TooLarge, before decoding", () => {
    // A valid PNG whose IHDR says 7100 x 7100 (50.4 M pixels > MAX_PIXELS) with a tiny, truncated IDAT: the size is
    // read from the header and refused before pngjs would allocate the ~200 MB of pixels.
    const heapBefore = process.memoryUsage().arrayBuffers;
    const side = 7_100;
    expect(side * side).to.be.greaterThan(MAX_PIXELS);
    const png = Buffer.from(encodePng({ width: 1, height: 1, rgba: new Uint8Array([0, 0, 0, 255]) }).bytes);
    expect(png.toString("latin1", 12, 16)).to.equal("IHDR");
    png.writeUInt32BE(side, 16);
    png.writeUInt32BE(side, 20);
    png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
    expect(() => decodeImage(png, "image/png"))
      .to.throw(ContentError)
      .with.property("code", "TooLarge");
    expect(process.memoryUsage().arrayBuffers - heapBefore).to.be.below(50_000_000);
  });
});

describe("near-duplicate detection on generated textile designs", function () {
  this.timeout(60_000);

  type Row = { name: string; prints: ImageFingerprint[]; distances: number[] };
  let originals: ImageFingerprint[] = [];
  let rows: Row[] = [];

  before(() => {
    const designs = Array.from({ length: DESIGNS }, (_, i) => generateDesign(SEED + 1000 + i));
    originals = designs.map((design) => fingerprintOf(encodePng(design)));
    rows = TRANSFORMATIONS.map(({ name, apply }) => {
      const prints = designs.map((design) => fingerprintOf(apply(design)));
      return {
        name,
        prints,
        distances: prints.map((print, i) => fingerprintDistance(originals[i] as ImageFingerprint, print)),
      };
    });
  });

  /** All pairs of different designs: their distance. */
  function unrelatedDistances(): number[] {
    const out: number[] = [];
    for (let i = 0; i < originals.length; i++)
      for (let j = i + 1; j < originals.length; j++)
        out.push(fingerprintDistance(originals[i] as ImageFingerprint, originals[j] as ImageFingerprint));
    return out;
  }

  const missRate = (distances: readonly number[]): number =>
    distances.filter((d) => d > SIMILAR_DISTANCE).length / distances.length;
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const pct = (x: number): string => `${(100 * x).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;

  it("generates distinct designs", () => {
    expect(new Set(originals.map((o) => o.hash)).size).to.equal(DESIGNS);
    for (const o of originals) expect(o.variants).to.have.length(15);
  });

  it("makes the altered copies as real PNG and JPEG files of the transformed size", () => {
    const design = generateDesign(SEED + 1000);
    const sizes = new Map<string, string>();
    for (const { name, apply } of TRANSFORMATIONS) {
      const file = apply(design);
      const magic = file.mediaType === "image/png" ? [0x89, 0x50, 0x4e, 0x47] : [0xff, 0xd8, 0xff];
      expect([...file.bytes.subarray(0, magic.length)], name).to.deep.equal(magic);
      const { width, height } = decodeImage(file.bytes, file.mediaType);
      sizes.set(name, `${width}x${height}`);
    }
    expect(sizes.get("resize 50% (bilinear)")).to.equal("128x128");
    expect(sizes.get("resize 150% (bilinear)")).to.equal("384x384");
    expect(sizes.get("crop 2% every edge")).to.equal("246x246");
    expect(sizes.get("crop 5% left")).to.equal("243x256");
    expect(sizes.get("crop 5% top, 5% left")).to.equal("243x243");
    expect(sizes.get("resize 60% > JPEG q75 > crop 3% > JPEG q80")).to.equal("149x149");
    expect(sizes.get("JPEG q50")).to.equal("256x256");
  });

  it("flags altered copies: miss rate <= 10% per transformation and <= 5% overall", () => {
    const lines = [`altered copy vs its original (${DESIGNS} designs, SIMILAR_DISTANCE = ${SIMILAR_DISTANCE})`];
    lines.push(
      `${"transformation".padEnd(52)} ${"mean".padStart(5)} ${"max".padStart(4)} ${"missed".padStart(7)} miss`,
    );
    for (const { name, distances } of rows) {
      const missed = distances.filter((d) => d > SIMILAR_DISTANCE).length;
      lines.push(
        `${name.padEnd(52)} ${mean(distances).toFixed(1).padStart(5)} ${String(Math.max(...distances)).padStart(4)} ${`${missed}/${distances.length}`.padStart(7)} ${pct(missRate(distances))}`,
      );
    }
    const all = rows.flatMap((r) => r.distances);
    lines.push(
      `${"overall".padEnd(52)} ${mean(all).toFixed(1).padStart(5)} ${String(Math.max(...all)).padStart(4)} ${`${all.filter((d) => d > SIMILAR_DISTANCE).length}/${all.length}`.padStart(7)} ${pct(missRate(all))}`,
    );
    console.log(lines.map((l) => `      ${l}`).join("\n"));

    const failing = rows
      .filter((r) => missRate(r.distances) > 0.1)
      .map((r) => `${r.name}: ${pct(missRate(r.distances))}`);
    expect(failing, `transformations missing more than 10% of copies (overall ${pct(missRate(all))})`).to.deep.equal(
      [],
    );
    expect(missRate(all)).to.be.at.most(0.05);
  });

  it("does not match unrelated designs: false-match rate <= 1%", () => {
    const distances = unrelatedDistances();
    const falseMatches = distances.filter((d) => d <= SIMILAR_DISTANCE).length;
    const rate = falseMatches / distances.length;
    // The query as the registry runs it: each altered copy against every original (nearest first).
    let crossPairs = 0;
    let crossMatches = 0;
    let crossMin = 64;
    let identified = 0;
    for (const row of rows) {
      row.prints.forEach((print, i) => {
        const found = nearDuplicates(
          print,
          originals.map((original, j) => ({ j, ...original })),
          64,
        );
        if (found[0]?.j === i && found[0].distance <= SIMILAR_DISTANCE) identified++;
        for (const { j, distance } of found) {
          if (j === i) continue;
          crossPairs++;
          crossMin = Math.min(crossMin, distance);
          if (distance <= SIMILAR_DISTANCE) crossMatches++;
        }
      });
    }
    const copies = rows.length * DESIGNS;
    console.log(
      [
        `unrelated designs (all pairs of originals): ${distances.length} pairs, distance min ${Math.min(...distances)} ` +
          `mean ${mean(distances).toFixed(1)}; <= ${SIMILAR_DISTANCE}: ${falseMatches} (false-match rate ${pct(rate)})`,
        `altered copy vs other originals: ${crossPairs} pairs, distance min ${crossMin}; <= ${SIMILAR_DISTANCE}: ` +
          `${crossMatches} (false-match rate ${pct(crossMatches / crossPairs)})`,
        `copies whose nearest original is their own and within ${SIMILAR_DISTANCE}: ${identified}/${copies} (${pct(identified / copies)})`,
      ]
        .map((l) => `      ${l}`)
        .join("\n"),
    );
    expect(rate).to.be.at.most(0.01);
    expect(crossMatches / crossPairs).to.be.at.most(0.01);
  });
});

/** CRC-32 (the PNG chunk checksum). */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
