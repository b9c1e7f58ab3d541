// `titlechain evidence <work>`: downloads a work's evidence bundle (JSON) and its certificate (PDF) into a folder.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EvidenceBundle } from "../../core/evidence/bundle.ts";
import { workOfTarget } from "../files.ts";
import { CliError, json, out } from "../output.ts";
import { answer, clientOf } from "../server.ts";

export const evidenceHelp = `Usage: titlechain evidence <workId|sha256|file> [--out DIR] [--server URL] [--json]

Downloads the work's evidence bundle: its record, metadata and chain of title with every event's block, hash and
receipt, the registration's commitment, Merkle proof and signature, RFC 3161 timestamps and the platform's signature.
Also its certificate, a bilingual PDF signed by the platform and drawn from that same bundle. Writes
titlechain-evidence-<sha256>.json and titlechain-certificate-<sha256>.pdf into DIR (default: the current folder).
Check the bundle with verify-evidence.`;

export async function evidence(target: string, o: { server: string; out: string; json: boolean }): Promise<number> {
  const workId = await workOfTarget(target);
  const bundle = answer(
    await clientOf(o.server).GET("/api/works/{workId}/evidence", { params: { path: { workId } } }),
    `evidence ${target}`,
  ) as unknown as EvidenceBundle;
  const certificate = answer(
    await clientOf(o.server).POST("/api/evidence/certificate", { body: { bundle }, parseAs: "arrayBuffer" }),
    `certificate of ${target}`,
  ) as ArrayBuffer;
  const file = join(o.out, `titlechain-evidence-${bundle.manifest.work.contentHash}.json`);
  const pdf = join(o.out, `titlechain-certificate-${bundle.manifest.work.contentHash}.pdf`);
  for (const [path, bytes] of [
    [file, `${JSON.stringify(bundle, null, 2)}\n`],
    [pdf, new Uint8Array(certificate)],
  ] as const) {
    try {
      await mkdir(o.out, { recursive: true });
      await writeFile(path, bytes);
    } catch (error) {
      throw new CliError(`${path}: ${(error as Error).message}`);
    }
  }
  const summary = {
    file,
    certificate: pdf,
    manifestHash: bundle.manifestHash,
    events: bundle.manifest.events.length,
    timestamps: bundle.timestamps.length,
  };
  if (o.json) json(summary);
  else {
    out(`${file}  (${summary.events} events, ${summary.timestamps} timestamp(s), manifest ${summary.manifestHash})`);
    out(pdf);
  }
  return 0;
}
