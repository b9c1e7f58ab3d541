// RFC 3161 timestamps: the request a TSA is sent, and the check of its token against the bytes it timestamps.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { bytesToHex, type Hex } from "viem";
import { base64Of, bytesOfBase64, pemOf, sha256Bytes } from "./encoding.ts";

/** OID of SHA-256, the only imprint algorithm Titlechain asks for. */
const SHA256_OID = "2.16.840.1.101.3.4.2.1";

/** A TimeStampReq (DER) for a SHA-256 imprint of `data`, asking for the TSA's certificate, with a random nonce. */
export async function timestampRequest(data: Uint8Array): Promise<{ der: Uint8Array; nonce: Hex }> {
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  nonce[0] = 1 + ((nonce[0] ?? 0) % 127); // a positive INTEGER in minimal DER: no leading zero, no sign bit
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA256_OID }),
      hashedMessage: new asn1js.OctetString({ valueHex: sha256Bytes(data).slice().buffer }),
    }),
    nonce: new asn1js.Integer({ valueHex: nonce.buffer }),
    certReq: true,
  });
  return { der: new Uint8Array(request.toSchema().toBER()), nonce: bytesToHex(nonce) };
}

/** A timestamp as a bundle keeps it: the token and what it says, readable without parsing it. */
export type Timestamp = {
  /** Where it was asked for. */
  authority: string;
  /** The TimeStampToken (a CMS ContentInfo), DER in base64. */
  token: string;
  genTime: string;
  policy: string;
  serialNumber: Hex;
  nonce: Hex;
  /** The certificates the token carries (the TSA's, and its chain when the TSA sends it), PEM. */
  certificates: string[];
};

/** A TSA's answer that is not a usable token. */
export class TimestampError extends Error {
  override name = "TimestampError";
}

/** The token of a TimeStampResp (DER), with what it says; throws {@link TimestampError} for a refusal or a bad answer. */
export function readTimestampResponse(authority: string, der: Uint8Array, expectedNonce: Hex): Timestamp {
  let response: pkijs.TimeStampResp;
  try {
    response = pkijs.TimeStampResp.fromBER(der.slice().buffer);
  } catch (cause) {
    throw new TimestampError(`${authority} answered with something that is not a TimeStampResp`, { cause });
  }
  const status = response.status.status;
  if ((status !== 0 && status !== 1) || !response.timeStampToken) {
    const text = response.status.statusStrings?.map((s) => s.valueBlock.value).join("; ") ?? "";
    throw new TimestampError(`${authority} refused the timestamp (status ${status}${text ? `: ${text}` : ""})`);
  }
  const token = new Uint8Array(response.timeStampToken.toSchema().toBER());
  const stamp = describeToken(authority, base64Of(token));
  if (stamp.nonce !== expectedNonce) throw new TimestampError(`${authority} answered with another request's nonce`);
  return stamp;
}

/** What a token (base64 DER ContentInfo) says; throws {@link TimestampError} when it is not a timestamp token. */
export function describeToken(authority: string, token: string): Timestamp {
  const { signed, info } = parseToken(token);
  return {
    authority,
    token,
    genTime: info.genTime.toISOString(),
    policy: info.policy,
    serialNumber: bytesToHex(info.serialNumber.valueBlock.valueHexView),
    nonce: info.nonce ? bytesToHex(info.nonce.valueBlock.valueHexView) : "0x",
    certificates: (signed.certificates ?? [])
      .filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)
      .map((c) => pemOf("CERTIFICATE", new Uint8Array(c.toSchema().toBER()))),
  };
}

function parseToken(token: string): { signed: pkijs.SignedData; info: pkijs.TSTInfo } {
  try {
    const content = pkijs.ContentInfo.fromBER(bytesOfBase64(token).slice().buffer);
    if (content.contentType !== pkijs.ContentInfo.SIGNED_DATA) throw new Error("not CMS SignedData");
    const signed = new pkijs.SignedData({ schema: content.content });
    const eContent = signed.encapContentInfo.eContent;
    if (!eContent) throw new Error("no encapsulated TSTInfo");
    return { signed, info: pkijs.TSTInfo.fromBER(eContent.getValue()) };
  } catch (cause) {
    throw new TimestampError("not an RFC 3161 timestamp token", { cause });
  }
}

/** The outcome of checking one token: `problem` set when it does not hold, `root` the certificate its chain ends at. */
export type TimestampCheck = { problem?: string; genTime?: string; signer?: string; root?: string };

/**
 * Checks a token against the bytes it should timestamp: the SHA-256 imprint, the TSA's CMS signature, and the chain of
 * the TSA certificate up to one of `trustedRoots` (PEM); with none given, up to the self-signed root the token carries.
 * Also that the readable fields the bundle states are the token's own.
 */
export async function checkTimestamp(
  stamp: Timestamp,
  data: Uint8Array,
  trustedRoots: readonly string[] = [],
): Promise<TimestampCheck> {
  let parsed: { signed: pkijs.SignedData; info: pkijs.TSTInfo };
  try {
    parsed = parseToken(stamp.token);
  } catch (error) {
    return { problem: (error as Error).message };
  }
  const { signed, info } = parsed;
  const stated = describeToken(stamp.authority, stamp.token);
  for (const field of ["genTime", "policy", "serialNumber", "nonce"] as const) {
    if (stated[field] !== stamp[field])
      return { problem: `the bundle states ${field} ${stamp[field]}, the token ${stated[field]}` };
  }
  if (stated.certificates.join() !== stamp.certificates.join()) {
    return { problem: "the certificates the bundle lists are not the ones the token carries" };
  }
  if (info.messageImprint.hashAlgorithm.algorithmId !== SHA256_OID) {
    return { problem: `the token's imprint uses ${info.messageImprint.hashAlgorithm.algorithmId}, not SHA-256` };
  }
  const imprint = bytesToHex(info.messageImprint.hashedMessage.valueBlock.valueHexView);
  const expected = bytesToHex(sha256Bytes(data));
  if (imprint !== expected) return { problem: `the token timestamps ${imprint}, not the manifest (${expected})` };
  const carried = (signed.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  const roots = trustedRoots.length > 0 ? trustedRoots.map(certificateOfPem) : carried.filter(isSelfSigned);
  if (roots.length === 0) return { problem: "the token carries no root certificate and none was given to trust" };
  let result: pkijs.SignedDataVerifyResult;
  try {
    result = await signed.verify({
      signer: 0,
      data: data.slice().buffer,
      trustedCerts: roots,
      checkChain: true,
      extendedMode: true,
    });
  } catch (error) {
    const e = error as { message?: string; signatureVerified?: boolean | null };
    return { problem: `the TSA's signature or certificate chain does not hold: ${e.message ?? String(error)}` };
  }
  if (!result.signatureVerified) return { problem: "the TSA's signature does not verify" };
  const path = result.certificatePath ?? [];
  const signer = path[0] ?? result.signerCertificate;
  const root = path.at(-1);
  return {
    genTime: info.genTime.toISOString(),
    ...(signer ? { signer: subjectOf(signer) } : {}),
    ...(root ? { root: subjectOf(root) } : {}),
  };
}

/** A PEM certificate as pkijs reads it. */
export function certificateOfPem(pem: string): pkijs.Certificate {
  return pkijs.Certificate.fromBER(bytesOfPem(pem).slice().buffer);
}

/** The DER inside a PEM block. */
export function bytesOfPem(pem: string): Uint8Array {
  return bytesOfBase64(pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, "").replace(/\s+/g, ""));
}

function isSelfSigned(c: pkijs.Certificate): boolean {
  return (
    bytesToHex(new Uint8Array(c.subject.toSchema().toBER())) === bytesToHex(new Uint8Array(c.issuer.toSchema().toBER()))
  );
}

/** A certificate's subject as "CN=..., O=...". */
export function subjectOf(c: pkijs.Certificate): string {
  const names: Record<string, string> = { "2.5.4.3": "CN", "2.5.4.10": "O", "2.5.4.6": "C", "2.5.4.11": "OU" };
  return c.subject.typesAndValues
    .map((tv) => `${names[tv.type] ?? tv.type}=${String(tv.value.valueBlock.value)}`)
    .join(", ");
}
