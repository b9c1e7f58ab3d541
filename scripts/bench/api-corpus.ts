// The API benchmark's corpus: bilingual metadata of craft works, the search terms drawn from it, image fingerprints.
import type { Hex } from "viem";
import { cidFromHex } from "../../core/cid.ts";
import { buildWorkMetadata, type WorkMetadata } from "../../core/metadata.ts";
import type { ImageFingerprint } from "../../core/phash.ts";
import { mulberry32 } from "../random.ts";

/** A deterministic pseudo-random source: the same seed builds the same corpus every run. */
export const random = mulberry32;

type Word = readonly [zh: string, en: string];

export const TECHNIQUES: readonly Word[] = [
  ["羌绣", "Qiang embroidery"],
  ["梁河木雕", "Lianghe wood carving"],
  ["皮革艺术", "leather art"],
  ["扎染", "tie-dyeing"],
  ["蜡染", "batik"],
  ["织锦", "brocade weaving"],
  ["苗绣", "Miao embroidery"],
  ["竹编", "bamboo weaving"],
];
export const REGIONS: readonly Word[] = [
  ["四川", "Sichuan"],
  ["云南", "Yunnan"],
  ["贵州", "Guizhou"],
  ["西藏", "Tibet"],
  ["广西", "Guangxi"],
  ["湖南", "Hunan"],
];
const MOTIFS: readonly Word[] = [
  ["羊角花", "sheep-horn flower"],
  ["云纹", "cloud scroll"],
  ["莲花", "lotus"],
  ["凤凰", "phoenix"],
  ["蝴蝶", "butterfly"],
  ["牡丹", "peony"],
  ["石榴", "pomegranate"],
  ["回纹", "key fret"],
  ["鱼纹", "fish"],
  ["鹿纹", "deer"],
  ["仙鹤", "crane"],
  ["梅花", "plum blossom"],
  ["水波纹", "water wave"],
  ["太阳纹", "sun disc"],
  ["山形纹", "mountain"],
  ["菊花", "chrysanthemum"],
  ["龙纹", "dragon"],
  ["喜鹊", "magpie"],
  ["竹叶", "bamboo leaf"],
  ["星纹", "star"],
];
const OBJECTS: readonly Word[] = [
  ["围腰", "apron"],
  ["鞋垫", "insole"],
  ["头帕", "headscarf"],
  ["挂毯", "tapestry"],
  ["屏风", "folding screen"],
  ["背包", "shoulder bag"],
  ["桌旗", "table runner"],
  ["面具", "mask"],
  ["首饰盒", "jewellery box"],
  ["腰带", "sash"],
  ["靠垫", "cushion"],
  ["披肩", "shawl"],
];
const COLOURS: readonly Word[] = [
  ["红色", "red"],
  ["靛蓝", "indigo"],
  ["黑色", "black"],
  ["金色", "golden"],
  ["白色", "white"],
  ["青色", "teal"],
  ["紫色", "purple"],
  ["赭石", "ochre"],
];
const SURNAMES = ["杨", "王", "李", "张", "陈", "何", "罗", "余", "马", "杜", "龙", "吴"];
const GIVEN = ["秀英", "华", "明", "桂兰", "德成", "玉珍", "建国", "春梅", "志强", "小燕", "文", "海"];

/** The creators of the corpus: `SURNAMES × GIVEN` Chinese names. */
export const CREATORS = SURNAMES.flatMap((s) => GIVEN.map((g) => s + g));

const pick = <T>(next: () => number, list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;

/**
 * Work `i`'s metadata: a bilingual title and description, its creator, technique and region, deterministic in `i`;
 * its file is the one of `contentHash` (the work's id), not stored here.
 */
export function corpusMetadata(i: number, contentHash: Hex): WorkMetadata {
  const next = random(i + 1);
  const [colour, motif, object, technique, region] = [COLOURS, MOTIFS, OBJECTS, TECHNIQUES, REGIONS].map((l) =>
    pick(next, l),
  ) as Word[];
  const creator = pick(next, CREATORS);
  const year = 2000 + Math.floor(next() * 25);
  const [colourZh, colourEn] = colour as Word;
  const [motifZh, motifEn] = motif as Word;
  const [objectZh, objectEn] = object as Word;
  const [techniqueZh, techniqueEn] = technique as Word;
  const [regionZh, regionEn] = region as Word;
  const nameZh = `${colourZh}${motifZh}${objectZh} 第${i}号`;
  const nameEn = `${colourEn} ${motifEn} ${objectEn} no. ${i}`;
  const descriptionZh = `${regionZh}${creator}以${techniqueZh}手法制作的${objectZh}，${colourZh}底上绣${motifZh}图案，${year}年作。`;
  const descriptionEn = `A ${objectEn} in ${techniqueEn} by ${creator} of ${regionEn}: a ${motifEn} pattern on a ${colourEn} ground, made in ${year}.`;
  return buildWorkMetadata({
    name: nameZh,
    description: descriptionZh,
    i18n: { zh: { name: nameZh, description: descriptionZh }, en: { name: nameEn, description: descriptionEn } },
    creator: [{ "@type": "Person", name: creator }],
    dateCreated: String(year),
    genre: techniqueEn,
    locationCreated: { addressRegion: regionEn, addressCountry: "CN" },
    keywords: [techniqueZh, motifZh, motifEn],
    content: {
      sha256: contentHash,
      cid: cidFromHex(`0x01551220${contentHash.slice(2)}`),
      size: 1_000_000 + i,
      mediaType: "image/png",
    },
  });
}

/**
 * Search terms as users type them, drawn from the corpus's own words: two-character and longer Chinese terms (羌绣,
 * 围腰, 羊角花围腰), English words and phrases, colour and motif pairs, and creators' names. More than 1,000 distinct.
 */
export function searchTerms(): string[] {
  const terms = new Set<string>();
  for (const list of [TECHNIQUES, REGIONS, MOTIFS, OBJECTS, COLOURS])
    for (const [zh, en] of list) terms.add(zh).add(en);
  for (const [motifZh, motifEn] of MOTIFS) {
    for (const [objectZh, objectEn] of OBJECTS) terms.add(`${motifZh}${objectZh}`).add(`${motifEn} ${objectEn}`);
    for (const [colourZh, colourEn] of COLOURS) terms.add(`${colourZh}${motifZh}`).add(`${colourEn} ${motifEn}`);
  }
  for (const name of CREATORS) terms.add(name);
  return [...terms];
}

/** A random 64-bit hash as 16 hex digits. */
function randomHash(next: () => number): string {
  const word = () =>
    Math.floor(next() * 2 ** 32)
      .toString(16)
      .padStart(8, "0");
  return word() + word();
}

/** `hash` with `bits` random bits flipped. */
function flip(next: () => number, hash: string, bits: number): string {
  let value = BigInt(`0x${hash}`);
  for (let b = 0; b < bits; b++) value ^= 1n << BigInt(Math.floor(next() * 64));
  return value.toString(16).padStart(16, "0");
}

/**
 * Work `i`'s image fingerprint as core/phash.ts makes them: a 64-bit hash and 15 crop variants, each a few bits from
 * it (3 to 12: crops of the generated designs of test/content measure a median of 8). One work in fifty copies an
 * earlier work's image (`copyOf`) with a few bits changed, so that queries find near-duplicates as in a real registry.
 */
export function corpusImage(i: number): { fingerprint: ImageFingerprint; copyOf: number | null } {
  const next = random(1_000_003 * (i + 1));
  const copyOf = i > 0 && next() < 0.02 ? Math.floor(next() * i) : null;
  const hash =
    copyOf === null ? randomHash(next) : flip(next, corpusImage(copyOf).fingerprint.hash, 1 + Math.floor(next() * 5));
  return {
    fingerprint: { hash, variants: Array.from({ length: 15 }, () => flip(next, hash, 3 + Math.floor(next() * 10))) },
    copyOf,
  };
}

/** The fingerprint of a new upload to query with: a copy of a registered work's image one time in ten. */
export function queryFingerprint(next: () => number, works: number): ImageFingerprint {
  const base = next() < 0.1 ? corpusImage(Math.floor(next() * works)).fingerprint.hash : randomHash(next);
  const hash = flip(next, base, Math.floor(next() * 4));
  return { hash, variants: Array.from({ length: 15 }, () => flip(next, hash, 3 + Math.floor(next() * 10))) };
}
