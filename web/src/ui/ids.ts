// Work ids as people see them: the file's SHA-256 in 0x-hex (the API's ids are the same number in decimal).

const HASH = /^0x[0-9a-fA-F]{64}$/;

/** A work id (decimal or hex) as 0x-prefixed, 64-digit lower-case hex. */
export function workHex(id: string): string {
  return `0x${BigInt(id).toString(16).padStart(64, "0")}`;
}

/** True for a SHA-256 as 0x-hex, the form of a work id, a content hash and a transaction hash. */
export function isHash(value: string): boolean {
  return HASH.test(value);
}

/** The path of a work's page. */
export function workPath(id: string): string {
  return `/works/${workHex(id)}`;
}
