// `titlechain evidence <work>`: downloads a work's evidence bundle (JSON) from a server into a folder.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EvidenceBundle } from "../../core/evidence/bundle.ts";
import { workOfTarget } from "../files.ts";
import { CliError, json, out } from "../output.ts";
import { answer, clientOf } from "../server.ts";

export const evidenceHelp = `Usage: titlechain evidence <workId|sha256|file> [--out DIR] [--server URL] [--json]

Downloads the work's evidence bundle: its record, metadata and chain of title with every event's block, hash and
receipt, the registration's commitment, Merkle proof and signature, RFC 3161 timestamps and the platform's signature.
Writes titlechain-evidence-<sha256>.json into DIR (default: the current folder). Check it with verify-evidence.`;

export async function evidence(target: string, o: { server: string; out: string; json: boolean }): Promise<number> {
  const workId = await workOfTarget(target);
  const bundle = answer(
    await clientOf(o.server).GET("/api/works/{workId}/evidence", { params: { path: { workId } } }),
    `evidence ${target}`,
  ) as unknown as EvidenceBundle;
  const file = join(o.out, `titlechain-evidence-${bundle.manifest.work.contentHash}.json`);
  try {
    await mkdir(o.out, { recursive: true });
    await writeFile(file, `${JSON.stringify(bundle, null, 2)}\n`);
  } catch (error) {
    throw new CliError(`${file}: ${(error as Error).message}`);
  }
  const summary = {
    file,
    manifestHash: bundle.manifestHash,
    events: bundle.manifest.events.length,
    timestamps: bundle.timestamps.length,
  };
  if (o.json) json(summary);
  else out(`${file}  (${summary.events} events, ${summary.timestamps} timestamp(s), manifest ${summary.manifestHash})`);
  return 0;
}
