// Bytes as evidence carries them: canonical JSON (RFC 8785), base64, PEM and SHA-256 in Node and the browser alike.
import { sha256 } from "@noble/hashes/sha2.js";
import canonicalize from "canonicalize";
import { bytesToHex, type Hex } from "viem";

/** The RFC 8785 (JCS) encoding of a JSON value as UTF-8: the same bytes for the same value, whoever encodes it. */
export function canonicalBytes(value: unknown): Uint8Array {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("not a JSON value");
  return new TextEncoder().encode(text);
}

/** SHA-256 of bytes. */
export function sha256Bytes(bytes: Uint8Array): Uint8Array {
  return sha256(bytes);
}

/** SHA-256 of bytes as 0x-hex. */
export function sha256Hex(bytes: Uint8Array): Hex {
  return bytesToHex(sha256(bytes));
}

export function base64Of(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function bytesOfBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A PEM block of `label` around DER bytes, 64 characters a line. */
export function pemOf(label: string, der: Uint8Array): string {
  const lines = base64Of(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
