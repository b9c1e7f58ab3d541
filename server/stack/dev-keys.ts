// Keys of the development stack: kept in the data directory, funded on the embedded chain, never used elsewhere.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { rpcCall } from "../../scripts/anvil.ts";
import type { DataDir } from "./data-dir.ts";

/** The embedded chain's relayer holds at least this much (wei); topped up with anvil_setBalance at each start. */
const RELAYER_FLOAT = 10n ** 21n;

/**
 * The relayer key of the embedded chain: made at the first start (readable by this user only) and kept in the data
 * directory, its account topped up to 1,000 ETH on the local chain at each start.
 */
export async function developmentRelayerKey(dir: DataDir, rpcUrl: string): Promise<Hex> {
  const file = join(dir.keys, "relayer.key");
  let key = (await readFile(file, "utf8").catch(() => "")).trim() as Hex;
  if (!/^0x[0-9a-f]{64}$/.test(key)) {
    key = generatePrivateKey();
    await mkdir(dir.keys, { recursive: true, mode: 0o700 });
    await writeFile(file, `${key}\n`, { mode: 0o600 });
  }
  const { address } = privateKeyToAccount(key);
  if (BigInt(await rpcCall<string>(rpcUrl, "eth_getBalance", [address, "latest"])) < RELAYER_FLOAT) {
    await rpcCall<string>(rpcUrl, "anvil_setBalance", [address, `0x${RELAYER_FLOAT.toString(16)}`]);
  }
  return key;
}
