// core/metadata: the schema, canonical encoding and every refusal naming its field.
import { expect } from "chai";
import fc from "fast-check";
import { base58btc } from "multiformats/bases/base58";
import { CID } from "multiformats/cid";
import { type Address, bytesToHex, type Hex } from "viem";
import {
  buildWorkMetadata,
  canonicalJson,
  encodeWorkMetadata,
  MetadataError,
  type MetadataIssue,
  parseWorkMetadata,
  validateWorkMetadata,
  type WorkMetadata,
  type WorkMetadataInput,
  workMetadataSchema,
} from "../../core/metadata.ts";

const RAW_CODEC = 0x55;

/** A raw-codec CIDv1 and the sha256 it addresses: the CID's multihash digest is the file's sha256. */
const CONTENT_CID = "bafkreihbrlbfnh56pjtlalp2aqg77skhulidlaex3ah3dfwnihbz4sbgy4";
const CONTENT_SHA256: Hex = "0xe18ac2569fbe7a66b02dfa040dffc947a2d0358097d80fb196cd41c39e4826c7";
/** The CID suggested in the brief (the raw CIDv1 of the empty file). */
const EMPTY_FILE_CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
/** The preview, as a raw CIDv1, and the same digest as a dag-pb CIDv1 (bafy...) for the ERC-721 `image` URI. */
const PREVIEW_CID = "bafkreibddj3cfredwylicqzuwl4brwg65ikangugmopg5rfyzt4sxm6ksu";
const IMAGE_URI = "ipfs://bafybeibddj3cfredwylicqzuwl4brwg65ikangugmopg5rfyzt4sxm6ksu";
const COOPERATIVE: Address = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4";

/** A complete registration: a Qiang embroidery from Maoxian, Sichuan, described in Chinese and English. */
const QIANG_EMBROIDERY: WorkMetadataInput = {
  name: "羌绣云纹鞋垫 / Qiang embroidery: cloud-pattern insoles",
  description:
    "四川茂县羌族传统刺绣，以挑花与纳纱针法绣成的云纹鞋垫。Traditional Qiang embroidery from Maoxian, Sichuan: cloud-pattern insoles in cross-stitch and counted-thread work.",
  i18n: {
    zh: { name: "羌绣云纹鞋垫", description: "四川茂县羌族传统刺绣，以挑花与纳纱针法绣成的云纹鞋垫。" },
    en: {
      name: "Qiang embroidery: cloud-pattern insoles",
      description: "Traditional Qiang embroidery from Maoxian, Sichuan: cloud-pattern insoles in cross-stitch.",
    },
  },
  image: IMAGE_URI,
  external_url: "https://titlechain.example/works/qiang-cloud-insoles",
  attributes: [
    { trait_type: "Technique", value: "挑花 (cross-stitch)" },
    { trait_type: "Stitch count", value: 48_000, display_type: "number" },
    { trait_type: "Completed", value: 1_716_940_800, display_type: "date" },
    { trait_type: "Thread colours", value: 7 },
  ],
  creator: [
    { "@type": "Person", name: "阿依 (A Yi)" },
    { "@type": "Organization", name: "茂县羌绣合作社 (Maoxian Qiang Embroidery Cooperative)", address: COOPERATIVE },
  ],
  dateCreated: "2024-05",
  genre: "Qiang embroidery",
  locationCreated: { name: "茂县", addressRegion: "四川", addressCountry: "CN" },
  inLanguage: ["zh-Hans", "en"],
  license: "https://creativecommons.org/licenses/by-nc-nd/4.0/",
  keywords: ["羌绣", "Qiang embroidery", "云纹", "intangible cultural heritage"],
  content: { sha256: CONTENT_SHA256, cid: CONTENT_CID, size: 2_481_152, mediaType: "image/png" },
  preview: { cid: PREVIEW_CID, mediaType: "image/webp" },
};

/** Only the required fields, with a name and no description in a single language. */
const MINIMAL: WorkMetadataInput = {
  name: "云纹",
  description: "",
  i18n: { zh: { name: "云纹" } },
  creator: [{ "@type": "Person", name: "阿依" }],
  dateCreated: "2024",
  content: { sha256: CONTENT_SHA256, cid: CONTENT_CID, size: 2_481_152, mediaType: "image/png" },
};

const MINIMAL_CANONICAL =
  '{"@context":"https://schema.org","@type":"CreativeWork",' +
  `"content":{"cid":"${CONTENT_CID}","mediaType":"image/png","sha256":"${CONTENT_SHA256}","size":2481152},` +
  '"creator":[{"@type":"Person","name":"阿依"}],"dateCreated":"2024","description":"",' +
  '"i18n":{"zh":{"name":"云纹"}},"name":"云纹","schemaVersion":1}';

const OPTIONAL_FIELDS = [
  "image",
  "external_url",
  "attributes",
  "genre",
  "locationCreated",
  "inLanguage",
  "license",
  "keywords",
  "preview",
] as const;

const REQUIRED_FIELDS = [
  "@context",
  "@type",
  "schemaVersion",
  "name",
  "description",
  "i18n",
  "content",
  "creator",
  "dateCreated",
] as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const REMOVE = Symbol("remove");

const { definitions, properties } = workMetadataSchema;
const patternMessage = (pattern: string) => `must match pattern "${pattern}"`;
const URI_PATTERN = patternMessage(definitions.uri.pattern);
const ADDRESS_PATTERN = patternMessage(definitions.address.pattern);
const SHA256_PATTERN = patternMessage(definitions.sha256.pattern);
const CID_PATTERN = patternMessage(definitions.cid.pattern);
const MEDIA_TYPE_PATTERN = patternMessage(definitions.mediaType.pattern);
const DATE_PATTERN = patternMessage(properties.dateCreated.pattern);
const COUNTRY_PATTERN = patternMessage(properties.locationCreated.properties.addressCountry.pattern);
const LANGUAGE_PATTERN = patternMessage(properties.inLanguage.items.pattern);

/** The complete fixture with its fixed fields, as a fresh copy. */
function qiang(): WorkMetadata {
  return buildWorkMetadata(structuredClone(QIANG_EMBROIDERY));
}

/** A copy of `doc` with the value at JSON pointer `pointer` replaced (or removed with {@link REMOVE}). */
function withValue(doc: unknown, pointer: string, value: unknown): unknown {
  const copy: unknown = structuredClone(doc);
  const keys = pointer.split("/").slice(1);
  const last = keys.pop();
  if (last === undefined) throw new Error(`pointer ${pointer} names the document`);
  let parent = copy as Record<string, unknown>;
  for (const key of keys) parent = parent[key] as Record<string, unknown>;
  if (value === REMOVE) delete parent[last];
  else parent[last] = value;
  return copy;
}

function issuesOf(value: unknown): MetadataIssue[] {
  const result = validateWorkMetadata(value);
  if (result.ok) expect.fail(`expected invalid metadata, got ${JSON.stringify(value)}`);
  return result.issues;
}

function expectValid(value: unknown): WorkMetadata {
  const result = validateWorkMetadata(value);
  if (!result.ok) expect.fail(`expected valid metadata, got issues ${JSON.stringify(result.issues)}`);
  return result.metadata;
}

/** Runs `fn`, which must throw a {@link MetadataError}, and returns the error. */
function metadataErrorOf(fn: () => unknown): MetadataError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(MetadataError);
    return error as MetadataError;
  }
  return expect.fail("expected a MetadataError");
}

/** Rebuilds `value` with the keys of every object in an order drawn from `ranks` (array order is kept). */
function reorderKeys(value: unknown, ranks: Iterator<number>): unknown {
  if (Array.isArray(value)) return value.map((item) => reorderKeys(item, ranks));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).map(([key, item]) => ({
    rank: ranks.next().value as number,
    key,
    item: reorderKeys(item, ranks),
  }));
  entries.sort((a, b) => a.rank - b.rank);
  return Object.fromEntries(entries.map(({ key, item }) => [key, item]));
}

/** Asserts that every object in `value` lists its keys in sorted (UTF-16 code unit) order. */
function expectSortedKeys(value: unknown, at = ""): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      expectSortedKeys(item, `${at}/${i}`);
    });
    return;
  }
  if (value === null || typeof value !== "object") return;
  const keys = Object.keys(value);
  expect(keys, `keys at ${at || "/"}`).to.deep.equal([...keys].sort());
  for (const [key, item] of Object.entries(value)) expectSortedKeys(item, `${at}/${key}`);
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const issue = (path: string, message: string): MetadataIssue => ({ path, message });
const ANY_OF_VALUE = (path: string): MetadataIssue[] => [
  issue(path, "must be string"),
  issue(path, "must be number"),
  issue(path, "must match a schema in anyOf"),
];

type Row = { title: string; at: string; value: unknown; issues: MetadataIssue[] };

const attribute = { trait_type: "Technique", value: "挑花" };

/** One malformed field per row: the pointer it is written at, the value, and every issue expected. */
const MALFORMED: Row[] = [
  ...REQUIRED_FIELDS.map((field) => ({
    title: `missing required ${field}`,
    at: `/${field}`,
    value: REMOVE,
    issues: [issue(`/${field}`, "is required")],
  })),
  { title: "unknown top-level field", at: "/owner", value: "0xabc", issues: [issue("/owner", "is not allowed")] },
  {
    title: "unknown field in content",
    at: "/content/encryption",
    value: "none",
    issues: [issue("/content/encryption", "is not allowed")],
  },
  {
    title: "unknown field in a creator",
    at: "/creator/0/email",
    value: "a@example.com",
    issues: [issue("/creator/0/email", "is not allowed")],
  },
  {
    title: "unknown field in i18n.zh",
    at: "/i18n/zh/title",
    value: "标题",
    issues: [issue("/i18n/zh/title", "is not allowed")],
  },
  {
    title: "unknown field in an attribute",
    at: "/attributes/1/max_value",
    value: 10,
    issues: [issue("/attributes/1/max_value", "is not allowed")],
  },
  { title: "empty name", at: "/name", value: "", issues: [issue("/name", "must NOT have fewer than 1 characters")] },
  {
    title: "name of 201 characters",
    at: "/name",
    value: "绣".repeat(201),
    issues: [issue("/name", "must NOT have more than 200 characters")],
  },
  { title: "name not a string", at: "/name", value: 42, issues: [issue("/name", "must be string")] },
  {
    title: "description of 5001 characters",
    at: "/description",
    value: "a".repeat(5001),
    issues: [issue("/description", "must NOT have more than 5000 characters")],
  },
  {
    title: "i18n empty object",
    at: "/i18n",
    value: {},
    issues: [issue("/i18n", "must NOT have fewer than 1 properties")],
  },
  {
    title: "i18n with language fr",
    at: "/i18n/fr",
    value: { name: "Broderie" },
    issues: [issue("/i18n/fr", "is not allowed")],
  },
  {
    title: "i18n with language zh-Hans (only zh and en are keys)",
    at: "/i18n/zh-Hans",
    value: { name: "云纹" },
    issues: [issue("/i18n/zh-Hans", "is not allowed")],
  },
  {
    title: "i18n.zh without name",
    at: "/i18n/zh/name",
    value: REMOVE,
    issues: [issue("/i18n/zh/name", "is required")],
  },
  {
    title: "i18n.en with an empty name",
    at: "/i18n/en/name",
    value: "",
    issues: [issue("/i18n/en/name", "must NOT have fewer than 1 characters")],
  },
  {
    title: "image javascript:alert(1)",
    at: "/image",
    value: "javascript:alert(1)",
    issues: [issue("/image", URI_PATTERN)],
  },
  { title: "image http://x", at: "/image", value: "http://x", issues: [issue("/image", URI_PATTERN)] },
  { title: "image ipfs:// with no CID", at: "/image", value: "ipfs://", issues: [issue("/image", URI_PATTERN)] },
  { title: "image https:// with no host", at: "/image", value: "https://", issues: [issue("/image", URI_PATTERN)] },
  {
    title: "image data: URI",
    at: "/image",
    value: "data:image/png;base64,iVBORw0KGgo=",
    issues: [issue("/image", URI_PATTERN)],
  },
  { title: "image HTTPS:// in capitals", at: "/image", value: "HTTPS://x", issues: [issue("/image", URI_PATTERN)] },
  {
    title: "external_url with a space",
    at: "/external_url",
    value: "https://titlechain.example/a b",
    issues: [issue("/external_url", URI_PATTERN)],
  },
  {
    title: "license over 2048 characters",
    at: "/license",
    value: `https://${"a".repeat(2041)}`,
    issues: [issue("/license", "must NOT have more than 2048 characters")],
  },
  {
    title: "attribute missing value",
    at: "/attributes/0/value",
    value: REMOVE,
    issues: [issue("/attributes/0/value", "is required")],
  },
  {
    title: "attribute missing trait_type",
    at: "/attributes/0/trait_type",
    value: REMOVE,
    issues: [issue("/attributes/0/trait_type", "is required")],
  },
  {
    title: "attribute value a boolean",
    at: "/attributes/0/value",
    value: true,
    issues: ANY_OF_VALUE("/attributes/0/value"),
  },
  {
    title: "attribute value null",
    at: "/attributes/1/value",
    value: null,
    issues: ANY_OF_VALUE("/attributes/1/value"),
  },
  {
    title: "attribute value an object",
    at: "/attributes/1/value",
    value: { n: 1 },
    issues: ANY_OF_VALUE("/attributes/1/value"),
  },
  {
    title: "attribute value an empty string",
    at: "/attributes/0/value",
    value: "",
    issues: [
      issue("/attributes/0/value", "must NOT have fewer than 1 characters"),
      issue("/attributes/0/value", "must be number"),
      issue("/attributes/0/value", "must match a schema in anyOf"),
    ],
  },
  {
    title: "attribute display_type percentage",
    at: "/attributes/1/display_type",
    value: "percentage",
    issues: [issue("/attributes/1/display_type", "must be equal to one of the allowed values")],
  },
  {
    title: "65 attributes",
    at: "/attributes",
    value: Array.from({ length: 65 }, () => attribute),
    issues: [issue("/attributes", "must NOT have more than 64 items")],
  },
  {
    title: "attributes not an array",
    at: "/attributes",
    value: attribute,
    issues: [issue("/attributes", "must be array")],
  },
  {
    title: "creator empty array",
    at: "/creator",
    value: [],
    issues: [issue("/creator", "must NOT have fewer than 1 items")],
  },
  {
    title: "creator an empty object",
    at: "/creator",
    value: [{}],
    issues: [issue("/creator/0/@type", "is required"), issue("/creator/0/name", "is required")],
  },
  {
    title: "creator @type Organisation (British spelling)",
    at: "/creator/1/@type",
    value: "Organisation",
    issues: [issue("/creator/1/@type", "must be equal to one of the allowed values")],
  },
  {
    title: "creator @type Thing",
    at: "/creator/0/@type",
    value: "Thing",
    issues: [issue("/creator/0/@type", "must be equal to one of the allowed values")],
  },
  {
    title: "creator address of 39 hex digits",
    at: "/creator/1/address",
    value: COOPERATIVE.slice(0, -1),
    issues: [issue("/creator/1/address", ADDRESS_PATTERN)],
  },
  {
    title: "creator address without 0x",
    at: "/creator/1/address",
    value: COOPERATIVE.slice(2),
    issues: [issue("/creator/1/address", ADDRESS_PATTERN)],
  },
  {
    title: "creator address an ENS name",
    at: "/creator/1/address",
    value: "maoxian.eth",
    issues: [issue("/creator/1/address", ADDRESS_PATTERN)],
  },
  {
    title: "33 creators",
    at: "/creator",
    value: Array.from({ length: 33 }, (_, i) => ({ "@type": "Person", name: `绣娘 ${i}` })),
    issues: [issue("/creator", "must NOT have more than 32 items")],
  },
  { title: "dateCreated 2024-13", at: "/dateCreated", value: "2024-13", issues: [issue("/dateCreated", DATE_PATTERN)] },
  { title: "dateCreated 2024-00", at: "/dateCreated", value: "2024-00", issues: [issue("/dateCreated", DATE_PATTERN)] },
  {
    title: "dateCreated 2024-05-32",
    at: "/dateCreated",
    value: "2024-05-32",
    issues: [issue("/dateCreated", DATE_PATTERN)],
  },
  { title: "dateCreated 24-05", at: "/dateCreated", value: "24-05", issues: [issue("/dateCreated", DATE_PATTERN)] },
  { title: "dateCreated 2024/05", at: "/dateCreated", value: "2024/05", issues: [issue("/dateCreated", DATE_PATTERN)] },
  { title: "dateCreated 2024-5", at: "/dateCreated", value: "2024-5", issues: [issue("/dateCreated", DATE_PATTERN)] },
  {
    title: "dateCreated with a time",
    at: "/dateCreated",
    value: "2024-05-17T10:00:00Z",
    issues: [issue("/dateCreated", DATE_PATTERN)],
  },
  {
    title: "dateCreated with a trailing newline",
    at: "/dateCreated",
    value: "2024-05\n",
    issues: [issue("/dateCreated", DATE_PATTERN)],
  },
  {
    title: "dateCreated with Arabic-Indic digits",
    at: "/dateCreated",
    value: "٢٠٢٤",
    issues: [issue("/dateCreated", DATE_PATTERN)],
  },
  {
    title: "addressCountry cn (lower case)",
    at: "/locationCreated/addressCountry",
    value: "cn",
    issues: [issue("/locationCreated/addressCountry", COUNTRY_PATTERN)],
  },
  {
    title: "addressCountry CHN (alpha-3)",
    at: "/locationCreated/addressCountry",
    value: "CHN",
    issues: [issue("/locationCreated/addressCountry", COUNTRY_PATTERN)],
  },
  {
    title: "locationCreated without addressCountry",
    at: "/locationCreated/addressCountry",
    value: REMOVE,
    issues: [issue("/locationCreated/addressCountry", "is required")],
  },
  { title: "inLanguage EN", at: "/inLanguage/1", value: "EN", issues: [issue("/inLanguage/1", LANGUAGE_PATTERN)] },
  {
    title: "inLanguage zh_CN",
    at: "/inLanguage/0",
    value: "zh_CN",
    issues: [issue("/inLanguage/0", LANGUAGE_PATTERN)],
  },
  {
    title: "inLanguage a string, not a list",
    at: "/inLanguage",
    value: "zh-Hans",
    issues: [issue("/inLanguage", "must be array")],
  },
  {
    title: "content.sha256 in upper case",
    at: "/content/sha256",
    value: `0x${CONTENT_SHA256.slice(2).toUpperCase()}`,
    issues: [issue("/content/sha256", SHA256_PATTERN)],
  },
  {
    title: "content.sha256 of 31 bytes",
    at: "/content/sha256",
    value: CONTENT_SHA256.slice(0, -2),
    issues: [issue("/content/sha256", SHA256_PATTERN)],
  },
  {
    title: "content.sha256 without 0x",
    at: "/content/sha256",
    value: CONTENT_SHA256.slice(2),
    issues: [issue("/content/sha256", SHA256_PATTERN)],
  },
  {
    title: "content.cid a CIDv0 (Qm...)",
    at: "/content/cid",
    value: "QmRN6wdp1S2A5EtjW9A3M1vKSBuQQGcgvuhoMUoEz4iiT5",
    issues: [issue("/content/cid", CID_PATTERN)],
  },
  {
    title: "content.cid a CIDv1 in base58btc",
    at: "/content/cid",
    value: CID.parse(CONTENT_CID).toString(base58btc),
    issues: [issue("/content/cid", CID_PATTERN)],
  },
  {
    title: "content.cid in upper-case base32",
    at: "/content/cid",
    value: CONTENT_CID.toUpperCase(),
    issues: [issue("/content/cid", CID_PATTERN)],
  },
  {
    title: "content.cid an ipfs:// URI",
    at: "/content/cid",
    value: `ipfs://${CONTENT_CID}`,
    issues: [issue("/content/cid", CID_PATTERN)],
  },
  { title: "content.size negative", at: "/content/size", value: -1, issues: [issue("/content/size", "must be >= 0")] },
  {
    title: "content.size fractional",
    at: "/content/size",
    value: 1.5,
    issues: [issue("/content/size", "must be integer")],
  },
  {
    title: "content.size a string",
    at: "/content/size",
    value: "2481152",
    issues: [issue("/content/size", "must be integer")],
  },
  {
    title: "content.size beyond 2^53 - 1",
    at: "/content/size",
    value: 2 ** 53,
    issues: [issue("/content/size", "must be <= 9007199254740991")],
  },
  {
    title: "content.mediaType png (no type/subtype)",
    at: "/content/mediaType",
    value: "png",
    issues: [issue("/content/mediaType", MEDIA_TYPE_PATTERN)],
  },
  {
    title: "content.mediaType Image/PNG (capitals)",
    at: "/content/mediaType",
    value: "Image/PNG",
    issues: [issue("/content/mediaType", MEDIA_TYPE_PATTERN)],
  },
  {
    title: "content.mediaType with parameters",
    at: "/content/mediaType",
    value: "text/plain; charset=utf-8",
    issues: [issue("/content/mediaType", MEDIA_TYPE_PATTERN)],
  },
  {
    title: "content without sha256",
    at: "/content/sha256",
    value: REMOVE,
    issues: [issue("/content/sha256", "is required")],
  },
  {
    title: "preview missing mediaType",
    at: "/preview/mediaType",
    value: REMOVE,
    issues: [issue("/preview/mediaType", "is required")],
  },
  {
    title: "preview.cid a CIDv0",
    at: "/preview/cid",
    value: "QmRN6wdp1S2A5EtjW9A3M1vKSBuQQGcgvuhoMUoEz4iiT5",
    issues: [issue("/preview/cid", CID_PATTERN)],
  },
  {
    title: "schemaVersion 2",
    at: "/schemaVersion",
    value: 2,
    issues: [issue("/schemaVersion", "must be equal to constant")],
  },
  {
    title: 'schemaVersion "1" (a string)',
    at: "/schemaVersion",
    value: "1",
    issues: [issue("/schemaVersion", "must be equal to constant")],
  },
  { title: "@type Thing", at: "/@type", value: "Thing", issues: [issue("/@type", "must be equal to constant")] },
  {
    title: "@context http://schema.org",
    at: "/@context",
    value: "http://schema.org",
    issues: [issue("/@context", "must be equal to constant")],
  },
  {
    title: "keyword empty",
    at: "/keywords/2",
    value: "",
    issues: [issue("/keywords/2", "must NOT have fewer than 1 characters")],
  },
  { title: "genre empty", at: "/genre", value: "", issues: [issue("/genre", "must NOT have fewer than 1 characters")] },
  {
    title: "dateCreated 2024-02-30, a day that does not exist",
    at: "/dateCreated",
    value: "2024-02-30",
    issues: [issue("/dateCreated", "is not a date of the calendar")],
  },
  {
    title: "dateCreated 2023-02-29, not a leap year",
    at: "/dateCreated",
    value: "2023-02-29",
    issues: [issue("/dateCreated", "is not a date of the calendar")],
  },
];

/** Values the schema accepts, including edge cases it lets through. */
const ACCEPTED: { title: string; at: string; value: unknown }[] = [
  { title: "dateCreated a year", at: "/dateCreated", value: "2024" },
  { title: "dateCreated a month", at: "/dateCreated", value: "2024-05" },
  { title: "dateCreated a day", at: "/dateCreated", value: "2024-05-17" },
  { title: "dateCreated 2024-02-29 (a leap day)", at: "/dateCreated", value: "2024-02-29" },
  { title: "name of exactly 200 characters", at: "/name", value: "绣".repeat(200) },
  { title: "name of 200 astral characters (counted as code points)", at: "/name", value: "🧵".repeat(200) },
  { title: "description of exactly 5000 characters", at: "/description", value: "a".repeat(5000) },
  { title: "64 attributes", at: "/attributes", value: Array.from({ length: 64 }, () => attribute) },
  { title: "attribute value 0", at: "/attributes/1/value", value: 0 },
  { title: "attribute value negative and fractional", at: "/attributes/1/value", value: -0.5 },
  { title: "content.size 0", at: "/content/size", value: 0 },
  { title: "content.size 2^53 - 1", at: "/content/size", value: Number.MAX_SAFE_INTEGER },
  { title: "content.cid the raw CIDv1 of the empty file", at: "/content/cid", value: EMPTY_FILE_CID },
  { title: "image https://x", at: "/image", value: "https://x" },
  { title: "image an ipfs:// URI with a path", at: "/image", value: `${IMAGE_URI}/front.webp` },
  {
    title: "content.mediaType with a vendor subtype",
    at: "/content/mediaType",
    value: "application/vnd.adobe.photoshop",
  },
  { title: "inLanguage with a region", at: "/inLanguage/0", value: "zh-Hans-CN" },
  { title: "inLanguage with a three-letter language (Qiang: qxs)", at: "/inLanguage/1", value: "qxs" },
  { title: "i18n with only en", at: "/i18n", value: { en: { name: "Cloud pattern" } } },
  { title: "locationCreated with only addressCountry", at: "/locationCreated", value: { addressCountry: "CN" } },
  { title: "creator without address", at: "/creator/1/address", value: REMOVE },
];

describe("core/metadata", () => {
  describe("valid metadata", () => {
    it("validates the complete bilingual Qiang embroidery fixture, returning the same object", () => {
      const metadata = qiang();
      const result = validateWorkMetadata(metadata);
      expect(result).to.deep.equal({ ok: true, metadata });
      if (result.ok) expect(result.metadata).to.equal(metadata);
      for (const field of OPTIONAL_FIELDS) expect(metadata, field).to.have.property(field);
    });

    it("uses a fixture whose content sha256 is the digest of its raw CIDv1", () => {
      const cid = CID.parse(CONTENT_CID);
      expect(cid.version).to.equal(1);
      expect(cid.code).to.equal(RAW_CODEC);
      expect(bytesToHex(cid.multihash.digest)).to.equal(CONTENT_SHA256);
    });

    it("validates the minimal fixture (required fields only, one language in i18n)", () => {
      const metadata = buildWorkMetadata(structuredClone(MINIMAL));
      expect(Object.keys(metadata).sort()).to.deep.equal([...REQUIRED_FIELDS].sort());
      expect(expectValid(metadata)).to.deep.equal(metadata);
    });

    it("declares exactly the required fields the tests expect", () => {
      expect([...workMetadataSchema.required].sort()).to.deep.equal([...REQUIRED_FIELDS].sort());
    });

    it("validates the fixture with any subset of its optional fields", () => {
      fc.assert(
        fc.property(fc.subarray([...OPTIONAL_FIELDS]), (dropped) => {
          const metadata: Record<string, unknown> = { ...qiang() };
          for (const field of dropped) delete metadata[field];
          expectValid(metadata);
        }),
        { numRuns: 60 },
      );
    });

    for (const { title, at, value } of ACCEPTED) {
      it(`accepts ${title}`, () => {
        expectValid(withValue(qiang(), at, value));
      });
    }
  });

  describe("malformed metadata", () => {
    for (const { title, at, value, issues } of MALFORMED) {
      it(`rejects ${title} at ${issues[0]?.path}`, () => {
        const actual = issuesOf(withValue(qiang(), at, value));
        expect(actual).to.deep.equal(issues);
        for (const { message } of actual) expect(message).to.match(/^(is|must) \S/);
      });
    }

    it("reports an unknown key with / or ~ in its name as an escaped JSON pointer, control characters escaped", () => {
      const forged = { ...qiang(), "a/b~c": 1, "x\n/name is required": 2 };
      expect(issuesOf(forged)).to.deep.equal([
        issue("/a~1b~0c", "is not allowed"),
        issue("/x\\n~1name is required", "is not allowed"),
      ]);
    });

    it("rejects a document that is not an object at path ''", () => {
      for (const value of [null, [], "metadata", 1, true]) {
        expect(issuesOf(value), JSON.stringify(value)).to.deep.equal([issue("", "must be object")]);
      }
    });

    it("reports every violation at once (allErrors)", () => {
      let doc = withValue(qiang(), "/name", "");
      doc = withValue(doc, "/dateCreated", REMOVE);
      doc = withValue(doc, "/owner", "0xabc");
      doc = withValue(doc, "/i18n/fr", { name: "Broderie" });
      doc = withValue(doc, "/content/size", -1);
      doc = withValue(doc, "/content/cid", "QmRN6wdp1S2A5EtjW9A3M1vKSBuQQGcgvuhoMUoEz4iiT5");
      doc = withValue(doc, "/creator/1/address", "maoxian.eth");
      doc = withValue(doc, "/inLanguage/1", "EN");
      expect(issuesOf(doc)).to.have.deep.members([
        issue("/dateCreated", "is required"),
        issue("/owner", "is not allowed"),
        issue("/name", "must NOT have fewer than 1 characters"),
        issue("/i18n/fr", "is not allowed"),
        issue("/creator/1/address", ADDRESS_PATTERN),
        issue("/inLanguage/1", LANGUAGE_PATTERN),
        issue("/content/cid", CID_PATTERN),
        issue("/content/size", "must be >= 0"),
      ]);
    });

    it("reports every missing required field at once", () => {
      expect(issuesOf({})).to.deep.equal(REQUIRED_FIELDS.map((field) => issue(`/${field}`, "is required")));
    });
  });

  describe("parseWorkMetadata", () => {
    it("parses the bytes of valid metadata JSON into the metadata", () => {
      const metadata = qiang();
      expect(parseWorkMetadata(encoder.encode(JSON.stringify(metadata)))).to.deep.equal(metadata);
      expect(parseWorkMetadata(encoder.encode(JSON.stringify(metadata, null, 2)))).to.deep.equal(metadata);
      expect(parseWorkMetadata(encodeWorkMetadata(metadata))).to.deep.equal(metadata);
    });

    const notUtf8: [string, number[]][] = [
      ["a lone 0xff byte", [0x7b, 0xff, 0x7d]],
      ["an overlong encoding of /", [0x22, 0xc0, 0xaf, 0x22]],
      ["a UTF-16 surrogate encoded in UTF-8", [0x22, 0xed, 0xa0, 0x80, 0x22]],
      ["a truncated 茂", [0x22, 0xe8, 0x8c]],
    ];
    for (const [title, bytes] of notUtf8) {
      it(`throws MetadataError with one issue at "" for invalid UTF-8: ${title}`, () => {
        const error = metadataErrorOf(() => parseWorkMetadata(new Uint8Array(bytes)));
        expect(error.issues).to.have.length(1);
        expect(error.issues[0]?.path).to.equal("");
        expect(error.issues[0]?.message).to.match(/^is not UTF-8 JSON \(.+\)$/);
        expect(error.message).to.match(/^invalid work metadata: \(document\) is not UTF-8 JSON/);
      });
    }

    it("rejects a truncated multi-byte character in otherwise valid metadata", () => {
      const bytes = encodeWorkMetadata(buildWorkMetadata(structuredClone(MINIMAL)));
      const at = indexOfBytes(bytes, encoder.encode("阿"));
      const error = metadataErrorOf(() =>
        parseWorkMetadata(new Uint8Array([...bytes.slice(0, at + 2), ...bytes.slice(at + 3)])),
      );
      expect(error.issues.map((i) => i.path)).to.deep.equal([""]);
    });

    for (const text of ["", "{", '{"name":"云纹",}', "undefined", "{'name':'x'}", "NaN", '{"a":1}{"b":2}']) {
      it(`throws MetadataError with one issue at "" for invalid JSON ${JSON.stringify(text)}`, () => {
        const error = metadataErrorOf(() => parseWorkMetadata(encoder.encode(text)));
        expect(error.issues).to.have.length(1);
        expect(error.issues[0]?.path).to.equal("");
        expect(error.issues[0]?.message).to.match(/^is not UTF-8 JSON \(.+\)$/);
      });
    }

    it("throws MetadataError listing every path for valid JSON that is invalid metadata", () => {
      let doc = withValue(qiang(), "/name", "");
      doc = withValue(doc, "/content/size", -1);
      doc = withValue(doc, "/preview/mediaType", REMOVE);
      const error = metadataErrorOf(() => parseWorkMetadata(encoder.encode(JSON.stringify(doc))));
      expect(error.name).to.equal("MetadataError");
      expect(error).to.be.instanceOf(Error);
      expect(error.issues).to.deep.equal([
        issue("/name", "must NOT have fewer than 1 characters"),
        issue("/content/size", "must be >= 0"),
        issue("/preview/mediaType", "is required"),
      ]);
      expect(error.message).to.equal(
        "invalid work metadata: /name must NOT have fewer than 1 characters; /content/size must be >= 0; " +
          "/preview/mediaType is required",
      );
    });

    it("reports a JSON document that is not an object at path ''", () => {
      const error = metadataErrorOf(() => parseWorkMetadata(encoder.encode("null")));
      expect(error.issues).to.deep.equal([issue("", "must be object")]);
      expect(error.message).to.equal("invalid work metadata: (document) must be object");
    });

    it("refuses a __proto__ key in untrusted JSON as an unknown field", () => {
      const text = JSON.stringify(qiang()).replace(/^\{/, '{"__proto__":{"polluted":true},');
      const error = metadataErrorOf(() => parseWorkMetadata(encoder.encode(text)));
      expect(error.issues).to.deep.equal([issue("/__proto__", "is not allowed")]);
      expect(Object.prototype).to.not.have.property("polluted");
    });
  });

  describe("buildWorkMetadata", () => {
    it("fills in @context, @type and schemaVersion and keeps every given field", () => {
      const metadata = buildWorkMetadata(structuredClone(QIANG_EMBROIDERY));
      expect(metadata["@context"]).to.equal("https://schema.org");
      expect(metadata["@type"]).to.equal("CreativeWork");
      expect(metadata.schemaVersion).to.equal(1);
      const { "@context": _context, "@type": _type, schemaVersion: _version, ...rest } = metadata;
      expect(rest).to.deep.equal(QIANG_EMBROIDERY);
    });

    it("throws MetadataError with the paths of bad input", () => {
      const error = metadataErrorOf(() =>
        buildWorkMetadata({ ...structuredClone(MINIMAL), name: "", dateCreated: "2024/05" }),
      );
      expect(error.issues).to.deep.equal([
        issue("/name", "must NOT have fewer than 1 characters"),
        issue("/dateCreated", DATE_PATTERN),
      ]);
    });

    it("throws MetadataError for fields outside the schema smuggled past the type", () => {
      const input = { ...structuredClone(MINIMAL), owner: "0xabc" } as WorkMetadataInput;
      expect(metadataErrorOf(() => buildWorkMetadata(input)).issues).to.deep.equal([issue("/owner", "is not allowed")]);
    });

    it("refuses input that overrides the fixed fields at run time", () => {
      const input = { ...structuredClone(MINIMAL), "@type": "Thing", schemaVersion: 2 } as WorkMetadataInput;
      expect(metadataErrorOf(() => buildWorkMetadata(input)).issues).to.deep.equal([
        issue("/@type", "must be equal to constant"),
        issue("/schemaVersion", "must be equal to constant"),
      ]);
    });
  });

  describe("encodeWorkMetadata", () => {
    it("encodes the minimal metadata as exactly the canonical JSON", () => {
      const bytes = encodeWorkMetadata(buildWorkMetadata(structuredClone(MINIMAL)));
      expect(decoder.decode(bytes)).to.equal(MINIMAL_CANONICAL);
      expect(bytes).to.deep.equal(encoder.encode(MINIMAL_CANONICAL));
    });

    it("sorts keys at every level and writes no whitespace", () => {
      const text = decoder.decode(encodeWorkMetadata(qiang()));
      const parsed: unknown = JSON.parse(text);
      expectSortedKeys(parsed);
      expect(Object.keys(parsed as object)).to.deep.equal([...Object.keys(qiang())].sort());
      expect(text).to.equal(JSON.stringify(parsed));
      expect(text).to.match(
        /^\{"@context":"https:\/\/schema.org","@type":"CreativeWork","attributes":\[\{"trait_type"/,
      );
      expect(text).to.contain('"locationCreated":{"addressCountry":"CN","addressRegion":"四川","name":"茂县"}');
      expect(text).to.contain('"inLanguage":["zh-Hans","en"]');
    });

    it("keeps Chinese characters as UTF-8 bytes, not \\u escapes", () => {
      const bytes = encodeWorkMetadata(qiang());
      const text = decoder.decode(bytes);
      expect(text).to.not.contain("\\u");
      expect(text).to.contain("茂县");
      expect(indexOfBytes(bytes, new Uint8Array([0xe8, 0x8c, 0x82, 0xe5, 0x8e, 0xbf]))).to.be.greaterThan(0);
      expect(bytes.length).to.equal(Buffer.byteLength(text, "utf8"));
      expect(bytes.length).to.be.greaterThan(text.length);
    });

    it("gives the same bytes for metadata built with its keys in any order", () => {
      const expected = encodeWorkMetadata(qiang());
      const reversed = reorderKeys(
        QIANG_EMBROIDERY,
        (function* () {
          for (let i = 0; ; i++) yield -i;
        })(),
      ) as WorkMetadataInput;
      expect(JSON.stringify(reversed)).to.not.equal(JSON.stringify(QIANG_EMBROIDERY));
      expect(encodeWorkMetadata(buildWorkMetadata(reversed))).to.deep.equal(expected);
      fc.assert(
        fc.property(fc.infiniteStream(fc.nat()), (ranks) => {
          const shuffled = reorderKeys(QIANG_EMBROIDERY, ranks) as WorkMetadataInput;
          expect(encodeWorkMetadata(buildWorkMetadata(shuffled))).to.deep.equal(expected);
        }),
        { numRuns: 100 },
      );
    });

    it("refuses invalid metadata with MetadataError", () => {
      const metadata = { ...qiang(), name: "" };
      expect(metadataErrorOf(() => encodeWorkMetadata(metadata)).issues).to.deep.equal([
        issue("/name", "must NOT have fewer than 1 characters"),
      ]);
      const extra = { ...qiang(), owner: "0xabc" } as WorkMetadata;
      expect(metadataErrorOf(() => encodeWorkMetadata(extra)).issues).to.deep.equal([
        issue("/owner", "is not allowed"),
      ]);
    });

    it("round-trips through parse to the same metadata and the same bytes", () => {
      const bytes = encodeWorkMetadata(qiang());
      const parsed = parseWorkMetadata(bytes);
      expect(parsed).to.deep.equal(qiang());
      expect(encodeWorkMetadata(parsed)).to.deep.equal(bytes);
    });
  });

  describe("canonicalJson", () => {
    it("sorts nested keys but keeps array order", () => {
      const value = { b: { d: 1, c: 2 }, a: [3, 1, { z: 0, y: [{ b: true, a: null }] }] };
      expect(canonicalJson(value)).to.equal('{"a":[3,1,{"y":[{"a":null,"b":true}],"z":0}],"b":{"c":2,"d":1}}');
    });

    it("sorts keys by UTF-16 code unit (@ before capitals before _ before lower case before CJK)", () => {
      expect(canonicalJson({ 名: 1, b: 2, _: 3, B: 4, "@type": 5, a: 6 })).to.equal(
        '{"@type":5,"B":4,"_":3,"a":6,"b":2,"名":1}',
      );
    });

    it("sorts number-like keys as text too: 10 before 2 before b", () => {
      expect(canonicalJson({ b: 1, "10": 2, "2": 3 })).to.equal('{"10":2,"2":3,"b":1}');
    });

    it("writes arrays and scalars as JSON.stringify does", () => {
      expect(canonicalJson([{ b: 1, a: 2 }, "茂县", 1.5, null])).to.equal('[{"a":2,"b":1},"茂县",1.5,null]');
      expect(canonicalJson("云纹")).to.equal('"云纹"');
      expect(canonicalJson(null)).to.equal("null");
    });

    it("is the same for any key order (property)", () => {
      fc.assert(
        fc.property(fc.jsonValue(), fc.infiniteStream(fc.nat()), (value, ranks) => {
          expect(canonicalJson(reorderKeys(value, ranks))).to.equal(canonicalJson(value));
        }),
        { numRuns: 200 },
      );
    });
  });

  describe("untrusted text is data", () => {
    const SCRIPT = "<script>alert(1)</script>";

    it("validates a name containing a script tag and round-trips it byte-exactly", () => {
      const metadata = buildWorkMetadata({
        ...structuredClone(QIANG_EMBROIDERY),
        name: SCRIPT,
        i18n: { en: { name: SCRIPT, description: '"><img src=x onerror=alert(1)>' } },
        keywords: ["{{constructor.constructor('alert(1)')()}}"],
      });
      const bytes = encodeWorkMetadata(metadata);
      const text = decoder.decode(bytes);
      expect(text).to.contain(`"name":"${SCRIPT}"`);
      expect(text).to.contain('"description":"\\"><img src=x onerror=alert(1)>"');
      const parsed = parseWorkMetadata(bytes);
      expect(parsed.name).to.equal(SCRIPT);
      expect(parsed).to.deep.equal(metadata);
      expect(encodeWorkMetadata(parsed)).to.deep.equal(bytes);
    });

    it("round-trips any text, including quotes, controls, U+2028 and lone surrogates (property)", () => {
      const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
      const text = (minLength: number, maxLength: number) => fc.string({ unit: codeUnit, minLength, maxLength });
      const special = fc.constantFrom(
        '"',
        "\\",
        "\n",
        "\u0000",
        "\u2028",
        "\ud800",
        "\udfff",
        "</script>",
        "茂县",
        "🧵",
      );
      const mixed = fc
        .array(fc.oneof(special, text(1, 8)), { minLength: 1, maxLength: 20 })
        .map((parts) => parts.join(""));
      fc.assert(
        fc.property(mixed, text(0, 300), mixed, (name, description, zhName) => {
          const metadata = buildWorkMetadata({
            ...structuredClone(MINIMAL),
            name,
            description,
            i18n: { zh: { name: zhName, description } },
          });
          const bytes = encodeWorkMetadata(metadata);
          const parsed = parseWorkMetadata(bytes);
          expect(parsed).to.deep.equal(metadata);
          expect(encodeWorkMetadata(parsed)).to.deep.equal(bytes);
        }),
        { numRuns: 200 },
      );
    });
  });
});
