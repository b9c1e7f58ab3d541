// The evidence settings of a server from its configuration: the platform's signer, the timestamp authorities, trusted roots.
import { readFile } from "node:fs/promises";
import { pemCertificates } from "../../core/evidence/pem.ts";
import type { EvidenceSettings } from "../api/deps.ts";
import { type Config, ConfigError } from "../config.ts";
import type { DataDir } from "../stack/data-dir.ts";
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
  return { signer, tsaUrls: config.tsaUrls, tsaRoots };
}
