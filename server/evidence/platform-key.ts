// The platform's signing key and X.509 certificate: the operator's files, or a self-signed development pair.
import type { webcrypto } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { base64Of, pemOf } from "../../core/evidence/encoding.ts";
import { PLATFORM_SIGNATURE_ALGORITHM, type PlatformSignature } from "../../core/evidence/platform-signature.ts";
import { bytesOfPem, certificateOfPem } from "../../core/evidence/timestamp.ts";

const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

/** Signs manifests (and certificates' PDFs) as the platform. */
export type PlatformSigner = {
  /** The certificate chain, signer first, PEM. */
  certificates: string[];
  /** The private key, PKCS#8 PEM (for the PDF signature's PKCS#12). */
  keyPem: string;
  sign(data: Uint8Array): Promise<PlatformSignature>;
};

async function signerOf(keyPem: string, certificates: string[], source: string): Promise<PlatformSigner> {
  let key: webcrypto.CryptoKey;
  try {
    key = await crypto.subtle.importKey("pkcs8", bytesOfPem(keyPem).slice(), RSA, false, ["sign"]);
    certificateOfPem(certificates[0] ?? "");
  } catch (error) {
    throw new Error(`${source}: not an RSA private key (PKCS#8 PEM) and its certificate: ${(error as Error).message}`);
  }
  return {
    certificates,
    keyPem,
    async sign(data) {
      const signature = new Uint8Array(await crypto.subtle.sign(RSA, key, data.slice()));
      return { algorithm: PLATFORM_SIGNATURE_ALGORITHM, signature: base64Of(signature), certificates };
    },
  };
}

/** The operator's key (PKCS#8 PEM, RSA) and certificate chain (PEM, signer first) from files. */
export async function loadPlatformSigner(keyFile: string, certFile: string): Promise<PlatformSigner> {
  const [keyPem, certPem] = await Promise.all([readFile(keyFile, "utf8"), readFile(certFile, "utf8")]);
  const certificates = certPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
  return signerOf(
    keyPem,
    certificates.map((c) => (c.endsWith("\n") ? c : `${c}\n`)),
    `${keyFile}, ${certFile}`,
  );
}

/**
 * The development stack's signer: an RSA key and a self-signed certificate made once in `keysDir` (the data
 * directory's `keys/`) and reused, so that bundles of one data directory carry one certificate. Never for production:
 * the key is not protected.
 */
export async function developmentPlatformSigner(
  keysDir: string,
  name = "Titlechain development platform",
): Promise<PlatformSigner> {
  const dir = keysDir;
  const keyFile = join(dir, "platform-key.pem");
  const certFile = join(dir, "platform-cert.pem");
  try {
    return await loadPlatformSigner(keyFile, certFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const keys = (await crypto.subtle.generateKey(
    { ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ["sign", "verify"],
  )) as webcrypto.CryptoKeyPair;
  const cert = await selfSigned(keys, name);
  const keyPem = pemOf("PRIVATE KEY", new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey)));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(keyFile, keyPem, { mode: 0o600 });
  await writeFile(certFile, pemOf("CERTIFICATE", new Uint8Array(cert.toSchema().toBER())));
  return signerOf(keyPem, [await readFile(certFile, "utf8")], keyFile);
}

/** A self-signed certificate for `keys` (ten years; digital signature and non-repudiation; not a CA). */
async function selfSigned(keys: webcrypto.CryptoKeyPair, name: string): Promise<pkijs.Certificate> {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({
    valueHex: Uint8Array.from([1, ...crypto.getRandomValues(new Uint8Array(8))]).buffer,
  });
  // One attribute: pkijs puts all of a name's attributes in one multi-valued RDN, which NSS (pdfsig) cannot read.
  const commonName = () =>
    new pkijs.AttributeTypeAndValue({ type: "2.5.4.3", value: new asn1js.Utf8String({ value: name }) });
  cert.subject.typesAndValues.push(commonName());
  cert.issuer.typesAndValues.push(commonName());
  cert.notBefore.value = new Date(Date.now() - 60_000);
  cert.notAfter.value = new Date(Date.now() + 10 * 365 * 86_400_000);
  const usage = new Uint8Array([0xc0]); // digitalSignature, nonRepudiation
  cert.extensions = [
    new pkijs.Extension({
      extnID: "2.5.29.19",
      critical: true,
      extnValue: new pkijs.BasicConstraints({ cA: false }).toSchema().toBER(false),
    }),
    new pkijs.Extension({
      extnID: "2.5.29.15",
      critical: true,
      extnValue: new asn1js.BitString({ valueHex: usage.buffer, unusedBits: 6 }).toBER(false),
    }),
  ];
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey as never);
  await cert.sign(keys.privateKey as never, "SHA-256");
  return cert;
}
