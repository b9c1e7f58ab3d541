// The platform's signature over a manifest: RSASSA-PKCS1-v1_5 with SHA-256 and an X.509 certificate, checked anywhere.
import type * as pkijs from "pkijs";
import { bytesToHex } from "viem";
import { bytesOfBase64, sha256Bytes } from "./encoding.ts";
import { certificateOfPem, subjectOf } from "./timestamp.ts";

export const PLATFORM_SIGNATURE_ALGORITHM = "RSASSA-PKCS1-v1_5-SHA256";
const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

/**
 * The operator's signature of the manifest's canonical bytes, and its certificate first in `certificates` (PEM), so
 * that `openssl dgst -sha256 -verify <(openssl x509 -pubkey -noout -in cert.pem) -signature sig manifest.json` checks it.
 */
export type PlatformSignature = {
  algorithm: typeof PLATFORM_SIGNATURE_ALGORITHM;
  /** The signature, base64. */
  signature: string;
  certificates: string[];
};

export type PlatformSignatureCheck = { problem?: string; signer?: string; fingerprint?: string; trusted?: boolean };

/** SHA-256 of a certificate's DER, the fingerprint people compare. */
export function fingerprintOf(cert: pkijs.Certificate): string {
  return bytesToHex(sha256Bytes(new Uint8Array(cert.toSchema().toBER())));
}

/**
 * Checks the signature against `data` with the certificate the bundle carries. With `trusted` certificates (PEM) given,
 * the signer's certificate must be one of them or be issued by one; without, the answer names the certificate's
 * subject and SHA-256 fingerprint for the reader to compare with the operator's published one.
 */
export async function checkPlatformSignature(
  signed: PlatformSignature,
  data: Uint8Array,
  trusted: readonly string[] = [],
): Promise<PlatformSignatureCheck> {
  if (signed.algorithm !== PLATFORM_SIGNATURE_ALGORITHM) return { problem: `unknown algorithm ${signed.algorithm}` };
  const first = signed.certificates[0];
  if (first === undefined) return { problem: "no certificate" };
  let cert: pkijs.Certificate;
  let valid = false;
  try {
    cert = certificateOfPem(first);
    const key = await cert.getPublicKey({ algorithm: { algorithm: RSA, usages: ["verify"] } });
    valid = await crypto.subtle.verify(RSA, key, bytesOfBase64(signed.signature).slice(), data.slice());
  } catch (error) {
    return { problem: `the certificate or signature cannot be read: ${(error as Error).message}` };
  }
  const fingerprint = fingerprintOf(cert);
  const signer = subjectOf(cert);
  if (!valid)
    return { problem: `the signature does not verify with the certificate of ${signer}`, signer, fingerprint };
  if (trusted.length === 0) return { signer, fingerprint, trusted: false };
  for (const pem of trusted) {
    const anchor = certificateOfPem(pem);
    if (fingerprintOf(anchor) === fingerprint) return { signer, fingerprint, trusted: true };
    if (await cert.verify(anchor).catch(() => false)) return { signer, fingerprint, trusted: true };
  }
  return {
    problem: `the signer ${signer} (${fingerprint}) is not one of the trusted certificates`,
    signer,
    fingerprint,
  };
}
