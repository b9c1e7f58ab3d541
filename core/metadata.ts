// Work metadata: build, validate against the JSON Schema and encode canonically.
import { Ajv, type ErrorObject } from "ajv";
import type { Address, Hex } from "viem";
import schema from "./work-metadata.schema.json" with { type: "json" };

/**
 * The metadata JSON of a work (`core/work-metadata.schema.json`, JSON Schema draft-07): ERC-721 metadata fields
 * (`name`, `description`, `image`, `external_url`, `attributes`), schema.org CreativeWork fields (`creator`,
 * `dateCreated`, `genre`, `locationCreated`, `inLanguage`, `license`, `keywords`), the name and description in
 * Chinese and English (`i18n`), the work file's content address (`content`) and an optional preview image.
 *
 * Metadata comes from users and from IPFS: it is untrusted. It is validated on every write and every read, and every
 * text in it is data to display, never markup or code: the web must render it as text (React escapes it; never
 * `dangerouslySetInnerHTML`), and the PDF certificate must draw it as text.
 */

/** The schema, for publishing beside the API (it is also the file `core/work-metadata.schema.json`). */
export const workMetadataSchema = schema;

export type Localized = { name: string; description?: string };

export type WorkMetadata = {
  "@context": "https://schema.org";
  "@type": "CreativeWork";
  schemaVersion: 1;
  name: string;
  description: string;
  i18n: { zh?: Localized; en?: Localized };
  image?: string;
  external_url?: string;
  attributes?: { trait_type: string; value: string | number; display_type?: string }[];
  creator: { "@type": "Person" | "Organization"; name: string; address?: Address }[];
  dateCreated: string;
  genre?: string;
  locationCreated?: { name?: string; addressRegion?: string; addressCountry: string };
  inLanguage?: string[];
  license?: string;
  keywords?: string[];
  content: { sha256: Hex; cid: string; size: number; mediaType: string };
  preview?: { cid: string; mediaType: string };
};

/** What a caller provides; the fixed fields are filled in. */
export type WorkMetadataInput = Omit<WorkMetadata, "@context" | "@type" | "schemaVersion">;

/** One schema violation: `path` is a JSON pointer to the field at fault ("" for the document itself). */
export type MetadataIssue = { path: string; message: string };

/** Thrown when metadata does not validate; `issues` lists every violation with its path. */
export class MetadataError extends Error {
  readonly issues: MetadataIssue[];
  constructor(issues: MetadataIssue[]) {
    super(`invalid work metadata: ${issues.map((i) => `${i.path || "(document)"} ${i.message}`).join("; ")}`);
    this.name = "MetadataError";
    this.issues = issues;
  }
}

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile<WorkMetadata>(schema);

/** Validates untrusted metadata; returns it typed, or every violation with its path. */
export function validateWorkMetadata(
  value: unknown,
): { ok: true; metadata: WorkMetadata } | { ok: false; issues: MetadataIssue[] } {
  if (!validate(value)) return { ok: false, issues: (validate.errors ?? []).map(issueOf) };
  if (!isCalendarDate(value.dateCreated)) {
    return { ok: false, issues: [{ path: "/dateCreated", message: "is not a date of the calendar" }] };
  }
  return { ok: true, metadata: value };
}

/** A year, a month, or a day that exists ("2024-02-30" does not). */
function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.split("-").map(Number);
  if (day === undefined || year === undefined || month === undefined) return true;
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

/** Parses and validates metadata bytes read from IPFS; throws {@link MetadataError}. */
export function parseWorkMetadata(bytes: Uint8Array): WorkMetadata {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new MetadataError([{ path: "", message: `is not UTF-8 JSON (${(error as Error).message})` }]);
  }
  const result = validateWorkMetadata(value);
  if (!result.ok) throw new MetadataError(result.issues);
  return result.metadata;
}

/** Builds the metadata of a work from its fields and validates it; throws {@link MetadataError}. */
export function buildWorkMetadata(input: WorkMetadataInput): WorkMetadata {
  const metadata = { "@context": "https://schema.org", "@type": "CreativeWork", schemaVersion: 1, ...input };
  const result = validateWorkMetadata(metadata);
  if (!result.ok) throw new MetadataError(result.issues);
  return result.metadata;
}

/**
 * The bytes to store: canonical JSON (keys sorted at every level, no spaces, UTF-8), so the same metadata always has
 * the same CID. Validates first; throws {@link MetadataError}.
 */
export function encodeWorkMetadata(metadata: WorkMetadata): Uint8Array {
  const result = validateWorkMetadata(metadata);
  if (!result.ok) throw new MetadataError(result.issues);
  return new TextEncoder().encode(canonicalJson(metadata));
}

/** JSON with object keys sorted (by UTF-16 code units) at every level, as `JSON.stringify` writes values. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function issueOf(error: ErrorObject): MetadataIssue {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === "required") {
    return { path: `${error.instancePath}/${pointerToken(params.missingProperty)}`, message: "is required" };
  }
  if (error.keyword === "additionalProperties") {
    return { path: `${error.instancePath}/${pointerToken(params.additionalProperty)}`, message: "is not allowed" };
  }
  return { path: error.instancePath, message: error.message ?? error.keyword };
}

/**
 * A property name as a JSON pointer token (RFC 6901: `~` is `~0`, `/` is `~1`), with control characters escaped: the
 * name comes from an untrusted document and must not forge paths or lines in messages and logs.
 */
function pointerToken(name: string | undefined): string {
  return JSON.stringify(String(name)).slice(1, -1).replaceAll("~", "~0").replaceAll("/", "~1");
}
