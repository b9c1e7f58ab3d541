// The licence model: uses, fields and territories in Chinese and English, terms hashes and grant ids.
import { type Address, encodeAbiParameters, type Hex, keccak256, toHex } from "viem";

/**
 * The licence model of the ledger (`ILicenceLedger`), shared by contract tests, server, CLI and web: uses, fields of
 * use, territories, terms hashes and grant ids, each computed exactly as the contract does.
 */

/** Kinds of licence, numbered as `ILicenceLedger.LicenceKind`. */
export const LicenceKind = { NonExclusive: 0, Sole: 1, Exclusive: 2 } as const;
export type LicenceKind = (typeof LicenceKind)[keyof typeof LicenceKind];

/** Offer status, numbered as `ILicenceLedger.OfferStatus`. */
export const OfferStatus = { None: 0, Open: 1, Paused: 2, Closed: 3 } as const;

/** Grant status, numbered as `ILicenceLedger.GrantStatus`. */
export const GrantStatus = {
  None: 0,
  Scheduled: 1,
  Active: 2,
  Expired: 3,
  Terminated: 4,
  Surrendered: 5,
  ParentEnded: 6,
} as const;

/** Permitted uses: one bit each, as the ledger's `USE_*` constants. */
export const Use = {
  reproduce: 1,
  distribute: 2,
  display: 4,
  adapt: 8,
  commercial: 16,
  sublicense: 32,
} as const;
export type UseName = keyof typeof Use;

/** Bilingual labels of the uses, for licence certificates and the web. */
export const useLabels: Record<UseName, { en: string; zh: string }> = {
  reproduce: { en: "Reproduce", zh: "复制" },
  distribute: { en: "Distribute", zh: "发行" },
  display: { en: "Display", zh: "展示" },
  adapt: { en: "Adapt and create derivative works", zh: "改编及创作衍生作品" },
  commercial: { en: "Commercial use", zh: "商业使用" },
  sublicense: { en: "Sublicense", zh: "转授权" },
};

/**
 * Fields of use: the sixteen bits of `LicenceTerms.fields`. The ledger only intersects bit sets; this list gives each
 * bit its meaning, and must only ever grow into the `other` bit's neighbours by a new version of the model.
 */
export const fieldsOfUse = [
  { key: "apparel", en: "Apparel and textiles", zh: "服装与纺织品" },
  { key: "homeware", en: "Home furnishings", zh: "家居用品" },
  { key: "publishing", en: "Publishing and print", zh: "出版与印刷" },
  { key: "packaging", en: "Packaging", zh: "包装" },
  { key: "souvenirs", en: "Souvenirs and crafts", zh: "文创与工艺品" },
  { key: "digital", en: "Digital media and games", zh: "数字媒体与游戏" },
  { key: "film", en: "Film, television and video", zh: "影视" },
  { key: "advertising", en: "Advertising", zh: "广告" },
  { key: "exhibition", en: "Exhibitions and museums", zh: "展览与博物馆" },
  { key: "education", en: "Education", zh: "教育" },
  { key: "accessories", en: "Fashion accessories", zh: "服饰配件" },
  { key: "stationery", en: "Stationery and gifts", zh: "文具与礼品" },
  { key: "interiors", en: "Architecture and interiors", zh: "建筑与室内设计" },
  { key: "performance", en: "Performance and stage", zh: "演出与舞台" },
  { key: "food", en: "Food and beverage branding", zh: "食品饮料品牌" },
  { key: "other", en: "Other fields", zh: "其他领域" },
] as const;
export type FieldName = (typeof fieldsOfUse)[number]["key"];

/** Every field of use. */
export const ALL_FIELDS = 0xffff;

/** Thrown for a licence term that cannot be encoded; `field` names it. */
export class LicenceTermError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "LicenceTermError";
    this.field = field;
  }
}

/** The bit set of some uses. */
export function usesOf(names: readonly UseName[]): number {
  return names.reduce((bits, name) => bits | Use[name], 0);
}

/** The bit set of some fields of use. */
export function fieldsOf(names: readonly FieldName[]): number {
  return names.reduce((bits, name) => {
    const index = fieldsOfUse.findIndex((f) => f.key === name);
    if (index < 0) throw new LicenceTermError("fields", `unknown field of use "${name}"`);
    return bits | (1 << index);
  }, 0);
}

/** Bit index of an ISO 3166-1 alpha-2 code in the ledger's territory set ("CN" is 65). */
export function countryBitOf(code: string): number {
  if (!/^[A-Z]{2}$/.test(code)) throw new LicenceTermError("territory", `"${code}" is not an alpha-2 country code`);
  return (code.charCodeAt(0) - 65) * 26 + (code.charCodeAt(1) - 65);
}

/** The code as the ledger's `bytes2` argument. */
export function countryHex(code: string): Hex {
  countryBitOf(code);
  return toHex(code, { size: 2 });
}

/** The three words of a territory set holding `codes`. */
export function territoryOf(codes: readonly string[]): [bigint, bigint, bigint] {
  const words: [bigint, bigint, bigint] = [0n, 0n, 0n];
  for (const code of codes) {
    const bit = countryBitOf(code);
    const word = bit >> 8;
    words[word as 0 | 1 | 2] = (words[word as 0 | 1 | 2] as bigint) | (1n << BigInt(bit & 255));
  }
  return words;
}

/** The codes in a territory set, in bit order. */
export function countriesOf(words: readonly bigint[]): string[] {
  const codes: string[] = [];
  for (let bit = 0; bit < 676; bit += 1) {
    if (((words[bit >> 8] ?? 0n) >> BigInt(bit & 255)) & 1n) {
      codes.push(String.fromCharCode(65 + Math.floor(bit / 26), 65 + (bit % 26)));
    }
  }
  return codes;
}

/** `ILicenceLedger.LicenceTerms`, field for field. */
export type LicenceTerms = {
  kind: LicenceKind;
  uses: number;
  fields: number;
  transferable: boolean;
  worldwide: boolean;
  territory: [bigint, bigint, bigint];
  start: number;
  end: number;
  duration: number;
  supply: number;
  derivativeRoyaltyBps: number;
  currency: Address;
  textHash: Hex;
  textCid: Hex;
};

/** `ILicenceLedger.SublicenceTerms`, field for field. */
export type SublicenceTerms = {
  uses: number;
  fields: number;
  transferable: boolean;
  worldwide: boolean;
  territory: [bigint, bigint, bigint];
  start: number;
  end: number;
  textHash: Hex;
  textCid: Hex;
};

/** ABI components shared, in this order, by `LicenceTerms` and `SublicenceTerms`. */
const scopeComponents = [
  { name: "uses", type: "uint8" },
  { name: "fields", type: "uint16" },
  { name: "transferable", type: "bool" },
  { name: "worldwide", type: "bool" },
  { name: "territory", type: "uint256[3]" },
  { name: "start", type: "uint40" },
  { name: "end", type: "uint40" },
] as const;
const textComponents = [
  { name: "textHash", type: "bytes32" },
  { name: "textCid", type: "bytes" },
] as const;

const licenceTermsAbi = {
  type: "tuple",
  components: [
    { name: "kind", type: "uint8" },
    ...scopeComponents,
    { name: "duration", type: "uint32" },
    { name: "supply", type: "uint24" },
    { name: "derivativeRoyaltyBps", type: "uint16" },
    { name: "currency", type: "address" },
    ...textComponents,
  ],
} as const;

const sublicenceTermsAbi = { type: "tuple", components: [...scopeComponents, ...textComponents] } as const;

/** The terms hash a buyer passes to `buyLicence`: `keccak256(abi.encode(terms))`, as `createOffer` stores it. */
export function termsHashOf(terms: LicenceTerms): Hex {
  return keccak256(encodeAbiParameters([licenceTermsAbi], [terms]));
}

/** The terms hash of a sublicence, as `SublicenceIssued` reports it. */
export function sublicenceTermsHashOf(terms: SublicenceTerms): Hex {
  return keccak256(encodeAbiParameters([sublicenceTermsAbi], [terms]));
}

/** Coordinates of a grant: the `serial`-th sale (from 1) of offer `offerIndex` of work `workId`. */
export type GrantRef = { workId: bigint; offerIndex: number; serial: number };

/** The licence token id of a grant: `uint256(keccak256(abi.encode(workId, offerIndex, serial)))`. */
export function grantIdOf({ workId, offerIndex, serial }: GrantRef): bigint {
  return BigInt(
    keccak256(
      encodeAbiParameters([{ type: "uint256" }, { type: "uint32" }, { type: "uint32" }], [workId, offerIndex, serial]),
    ),
  );
}

/** Largest value of a grant's or offer's end: "perpetual". */
export const FOREVER = 2 ** 40 - 1;
