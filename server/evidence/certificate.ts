// A work's certificate PDF from its evidence bundle: the model, the drawing and the platform's signature together.
import type { EvidenceBundle } from "../../core/evidence/bundle.ts";
import { certificateModel, type OperatorStatement } from "./certificate-content.ts";
import { renderCertificate } from "./certificate-pdf.ts";
import { signPdf } from "./pdf-signature.ts";
import type { PlatformSigner } from "./platform-key.ts";

/** The operator's statement when none is configured: the development stack, which no one operates for others. */
export const DEVELOPMENT_OPERATOR: OperatorStatement = {
  legalName: "Titlechain development stack (not operated for others)",
  filingNumber: "none",
  nodes: "a local development chain on the operator's machine",
  conflicts: "none declared",
};

/** The address of a work's verify page on the web front end. */
export function verifyPageOf(origin: string, bundle: EvidenceBundle): string {
  return `${origin.replace(/\/+$/, "")}/verify/${bundle.manifest.work.contentHash}`;
}

/**
 * The certificate of the work in `bundle`, with the bundle attached, signed by `signer` when there is one. The
 * unsigned document depends on nothing but the bundle, the operator's statement and the verify page's address.
 */
export async function certificatePdf(
  bundle: EvidenceBundle,
  o: { operator: OperatorStatement; verifyUrl: string; signer?: PlatformSigner | undefined; signingTime?: Date },
): Promise<Uint8Array> {
  const doc = await renderCertificate(
    certificateModel(bundle, o.operator, o.verifyUrl),
    `${JSON.stringify(bundle, null, 2)}\n`,
  );
  if (!o.signer) return doc.save({ useObjectStreams: false });
  return signPdf(doc, o.signer, {
    name: o.operator.legalName,
    location: o.verifyUrl,
    contactInfo: o.operator.filingNumber,
    ...(o.signingTime ? { signingTime: o.signingTime } : {}),
  });
}
