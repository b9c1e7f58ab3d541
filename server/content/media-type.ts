/** Media types recognised from a file's first bytes; the bytes win over what an uploader declares. */
const signatures: readonly { type: string; test: (head: Uint8Array) => boolean }[] = [
  { type: "image/png", test: (h) => starts(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: "image/jpeg", test: (h) => starts(h, [0xff, 0xd8, 0xff]) },
  { type: "image/gif", test: (h) => starts(h, [0x47, 0x49, 0x46, 0x38]) },
  { type: "image/webp", test: (h) => starts(h, [0x52, 0x49, 0x46, 0x46]) && ascii(h, 8, "WEBP") },
  { type: "image/tiff", test: (h) => starts(h, [0x49, 0x49, 0x2a, 0x00]) || starts(h, [0x4d, 0x4d, 0x00, 0x2a]) },
  { type: "application/pdf", test: (h) => ascii(h, 0, "%PDF-") },
  { type: "application/zip", test: (h) => starts(h, [0x50, 0x4b, 0x03, 0x04]) },
  { type: "video/mp4", test: (h) => ascii(h, 4, "ftyp") },
];

/** How many leading bytes {@link sniffMediaType} needs. */
export const SNIFF_BYTES = 16;

/** The media type the bytes show, else the declared one if it is well formed, else `application/octet-stream`. */
export function sniffMediaType(head: Uint8Array, declared?: string): string {
  const found = signatures.find((s) => s.test(head));
  if (found) return found.type;
  // Media types are case-insensitive; parameters ("; charset=utf-8") are dropped.
  const essence = declared?.split(";")[0]?.trim().toLowerCase();
  if (essence && /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(essence)) return essence;
  return "application/octet-stream";
}

function starts(head: Uint8Array, bytes: readonly number[]): boolean {
  return bytes.every((b, i) => head[i] === b);
}

function ascii(head: Uint8Array, at: number, text: string): boolean {
  return [...text].every((c, i) => head[at + i] === c.charCodeAt(0));
}
