// PEM files of certificates: each block on its own, as the verifier and the signer take them.

/** The certificates of a PEM text, each as its own PEM block ending in a newline. */
export function pemCertificates(text: string): string[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((c) => `${c}\n`);
}
