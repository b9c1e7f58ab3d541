// The evidence settings of a server from its configuration: the platform's signer, the timestamp authorities, trusted roots.
import { readFile } from "node:fs/promises";
import { pemCertificates } from "../../core/evidence/pem.ts";
import type { EvidenceSettings } from "../api/deps.ts";
import { type Config, ConfigError } from "../config.ts";
import type { DataDir } from "../stack/data-dir.ts";
import type { OperatorStatement } from "./certificate-content.ts";
import { developmentPlatformSigner, loadPlatformSigner } from "./platform-key.ts";

/**
 * The operator's key and certificate when configured; on the embedded chain without them, the development pair in the
 * data directory; on a real chain without them, no platform signature (bundles still carry timestamps and proofs).
 */
export async function evidenceSettings(config: Config, dir: DataDir): Promise<EvidenceSettings> {
  let signer: EvidenceSettings["signer"];
  if (config.platformKeyFile && config.platformCertFile) {
    try {
      signer = await loadPlatformSigner(config.platformKeyFile, config.platformCertFile);
    } catch (error) {
      throw new ConfigError("--platform-key-file", (error as Error).message);
    }
  } else if (config.rpcUrls.length === 0) {
    signer = await developmentPlatformSigner(dir.keys);
  }
  let tsaRoots: string[] = [];
  if (config.tsaRootsFile) {
    const text = await readFile(config.tsaRootsFile, "utf8").catch((error: Error) => {
      throw new ConfigError("--tsa-roots-file", `${config.tsaRootsFile}: ${error.message}`);
    });
    tsaRoots = pemCertificates(text);
    if (tsaRoots.length === 0)
      throw new ConfigError("--tsa-roots-file", `${config.tsaRootsFile} holds no PEM certificate`);
  }
  const operator = config.operatorFile ? await operatorStatement(config.operatorFile) : undefined;
  return { signer, tsaUrls: config.tsaUrls, tsaRoots, ...(operator ? { operator } : {}) };
}

const OPERATOR_FIELDS = ["legalName", "filingNumber", "nodes", "conflicts"] as const;

/** The operator's statement from its JSON file: every field a non-empty string of at most 500 characters. */
async function operatorStatement(file: string): Promise<OperatorStatement> {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError("--operator-file", `${file}: ${(error as Error).message}`);
  }
  for (const field of OPERATOR_FIELDS) {
    const text = value?.[field];
    if (typeof text !== "string" || text.trim() === "" || text.length > 500) {
      throw new ConfigError("--operator-file", `${file}: ${field} must be a text of 1 to 500 characters`);
    }
  }
  return Object.fromEntries(OPERATOR_FIELDS.map((f) => [f, value[f] as string])) as OperatorStatement;
}
