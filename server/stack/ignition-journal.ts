// Reads a finished Ignition deployment (its journal and addresses) into the deployment file the server reads.
import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** What the server reads of a deployment: the same shape on the embedded chain and in production's file. */
export type DeploymentFile = {
  chainId: number;
  registry: `0x${string}`;
  ledger: `0x${string}`;
  exchange: `0x${string}`;
  /** The block of the registry's deployment: where the indexer starts. */
  startBlock: number;
  /** Every transaction of the deployment, to check the chain still holds it. */
  receipts: { block: number; hash: string }[];
};

/**
 * The deployment recorded in an Ignition deployment folder: the module's three contracts from `deployed_addresses.json`,
 * the chain id and every confirmed transaction's block from `journal.jsonl` (the registry's is where indexing starts).
 */
export async function deploymentOf(deploymentDir: string): Promise<DeploymentFile> {
  const addresses = JSON.parse(await readFile(join(deploymentDir, "deployed_addresses.json"), "utf8")) as Record<
    string,
    string
  >;
  const address = (name: string) => {
    const found = addresses[`Titlechain#${name}`];
    if (!found) throw new Error(`${deploymentDir}: the deployment has no ${name}`);
    return found.toLowerCase() as `0x${string}`;
  };
  let chainId: number | undefined;
  let startBlock: number | undefined;
  const receipts: { block: number; hash: string }[] = [];
  for (const line of (await readFile(join(deploymentDir, "journal.jsonl"), "utf8")).split("\n")) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line) as {
      type?: string;
      chainId?: number;
      futureId?: string;
      receipt?: { blockNumber: number; blockHash: string };
    };
    if (entry.type === "DEPLOYMENT_INITIALIZE") chainId = entry.chainId;
    if (!entry.receipt) continue;
    receipts.push({ block: entry.receipt.blockNumber, hash: entry.receipt.blockHash });
    if (entry.futureId === "Titlechain#ProvenanceRegistry") startBlock = entry.receipt.blockNumber;
  }
  if (chainId === undefined || startBlock === undefined) {
    throw new Error(`${deploymentDir}: the journal has no chain id or no receipt of the registry's deployment`);
  }
  return {
    chainId,
    registry: address("ProvenanceRegistry"),
    ledger: address("LicenceLedger"),
    exchange: address("Exchange"),
    startBlock,
    receipts,
  };
}
