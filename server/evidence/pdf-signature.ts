// Signs a certificate PDF with the platform's key: a PKCS#7 detached signature (adbe.pkcs7.detached) pdfsig can check.
import { pdflibAddPlaceholder } from "@signpdf/placeholder-pdf-lib";
import { P12Signer } from "@signpdf/signer-p12";
import { SignPdf } from "@signpdf/signpdf";
import forge from "node-forge";
import type { PDFDocument } from "pdf-lib";
import type { PlatformSigner } from "./platform-key.ts";

/**
 * A PDF literal string's content: ASCII escaped, anything else as UTF-16BE with its byte order mark in octal escapes
 * (the placeholder writes the text as it is given, byte for byte).
 */
export function pdfLiteral(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text.replace(/[\\()]/g, (c) => `\\${c}`);
  const bytes = [0xfe, 0xff];
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    bytes.push(unit >> 8, unit & 0xff);
  }
  return bytes.map((b) => `\\${b.toString(8).padStart(3, "0")}`).join("");
}

/** The signer's key and certificates as a PKCS#12 without a passphrase (held in memory only). */
function p12Of(signer: PlatformSigner): Buffer {
  const key = forge.pki.privateKeyFromPem(signer.keyPem);
  const chain = signer.certificates.map((pem) => forge.pki.certificateFromPem(pem));
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, chain, "", { algorithm: "3des" });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary");
}

/** The document saved and signed by the platform, as `name` (the operator) at `signingTime`. */
export async function signPdf(
  doc: PDFDocument,
  signer: PlatformSigner,
  o: { name: string; location: string; contactInfo: string; signingTime?: Date },
): Promise<Uint8Array> {
  const signingTime = o.signingTime ?? new Date();
  pdflibAddPlaceholder({
    pdfDoc: doc,
    reason: pdfLiteral("Certificate of existence and integrity of a work (Titlechain)"),
    name: pdfLiteral(o.name),
    location: pdfLiteral(o.location),
    contactInfo: pdfLiteral(o.contactInfo),
    signingTime,
    signatureLength: 8192,
  });
  const unsigned = Buffer.from(await doc.save({ useObjectStreams: false }));
  return new Uint8Array(await new SignPdf().sign(unsigned, new P12Signer(p12Of(signer)), signingTime));
}
