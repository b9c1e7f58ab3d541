// `titlechain verify-evidence <bundle.json>`: checks an evidence bundle against a chain node, trusting no server.
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { pemCertificates } from "../../core/evidence/pem.ts";
import { type Step, verifyEvidence } from "../../core/evidence/verify.ts";
import { hashFile } from "../files.ts";
import { CliError, EXIT, json, out, paint } from "../output.ts";

export const verifyEvidenceHelp = `Usage: titlechain verify-evidence <bundle.json> --rpc URL [--file F] [--tsa-roots PEM] [--platform-cert PEM] [--json]

Verifies an evidence bundle against the chain node at --rpc (any node of the chain; no Titlechain server is asked):
the manifest's hash, the file (with --file), every event in its stated block, the chain of title rebuilt from the
node's logs, the registration's commitment, Merkle proof and EIP-712 signature, the registry's record and current
owner, the RFC 3161 timestamps (chained to --tsa-roots when given) and the platform's signature (against
--platform-cert when given). Prints every step. Exit 0 only when no step failed; 1 when one did.`;

const MARK: Record<Step["status"], string> = { pass: "✓", fail: "✗", warn: "!", skip: "-" };
const COLOUR = { pass: "green", fail: "red", warn: "yellow", skip: "gray" } as const;

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`${path}: ${code === "ENOENT" ? "no such file" : (error as Error).message} (${what})`);
  }
}

async function certificates(path: string | undefined, what: string): Promise<string[]> {
  if (!path) return [];
  const found = pemCertificates(await readText(path, what));
  if (found.length === 0) throw new CliError(`${path}: no PEM certificate in it (${what})`);
  return found;
}

export async function verifyEvidenceCommand(
  bundlePath: string,
  o: { rpc: string; file?: string; tsaRoots?: string; platformCert?: string; json: boolean },
): Promise<number> {
  let bundle: unknown;
  try {
    bundle = JSON.parse(await readText(bundlePath, "the evidence bundle"));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${bundlePath}: not JSON (${(error as Error).message})`);
  }
  if (o.file) await hashFile(o.file); // a missing or unreadable file is named before the node is asked
  const [tsaRoots, platformCertificates] = await Promise.all([
    certificates(o.tsaRoots, "--tsa-roots"),
    certificates(o.platformCert, "--platform-cert"),
  ]);
  let result: Awaited<ReturnType<typeof verifyEvidence>>;
  try {
    result = await verifyEvidence(bundle, {
      rpc: o.rpc,
      tsaRoots,
      platformCertificates,
      ...(o.file ? { file: createReadStream(o.file) as AsyncIterable<Uint8Array> } : {}),
    });
  } catch (error) {
    throw new CliError(`${o.rpc}: the node could not be asked (${String((error as Error).message).split("\n")[0]})`);
  }
  if (o.json) json(result);
  else {
    for (const s of result.steps) out(`${paint(COLOUR[s.status], MARK[s.status])} ${s.step.padEnd(12)} ${s.message}`);
    out(result.ok ? paint("green", "the evidence holds") : paint("red", "the evidence does NOT hold"));
  }
  return result.ok ? EXIT.ok : EXIT.no;
}
