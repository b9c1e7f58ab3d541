import {
  type Abi,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  type Transport,
} from "viem";
import { foundry } from "viem/chains";
import {
  type Bytecode,
  bulkActorBytecode,
  exchangeBytecode,
  licenceLedgerBytecode,
  provenanceRegistryBytecode,
  revenueSplitsBytecode,
  sublicensingBytecode,
} from "../../types/abi/bytecode.js";
import {
  bulkActorAbi,
  exchangeAbi,
  licenceLedgerAbi,
  provenanceRegistryAbi,
  revenueSplitsAbi,
  sublicensingAbi,
} from "../../types/abi/index.js";
import { defaultLicenceUri } from "./defaults.ts";

/** The addresses of a deployment and the block the registry was deployed in (the indexer's start block). */
export type Deployment = { registry: Hex; ledger: Hex; exchange: Hex; startBlock: bigint; admin: Hex };

/** A contract's creation bytecode (generated from the build artifacts) with its libraries' addresses linked in. */
export function bytecodeOf(artifact: Bytecode, libraries: Record<string, Hex> = {}): Hex {
  let code = artifact.bytecode.slice(2);
  for (const refs of Object.values(artifact.linkReferences)) {
    for (const [name, positions] of Object.entries(refs)) {
      const address = libraries[name];
      if (!address) throw new Error(`${artifact.contractName} needs library ${name}`);
      for (const { start, length } of positions) {
        code = code.slice(0, start * 2) + address.slice(2).toLowerCase() + code.slice((start + length) * 2);
      }
    }
  }
  return `0x${code}`;
}

async function deploy(
  publicClient: PublicClient,
  wallet: ReturnType<typeof createWalletClient>,
  admin: Hex,
  abi: Abi,
  bytecode: Hex,
  args: readonly unknown[],
): Promise<{ address: Hex; block: bigint }> {
  const hash = await wallet.deployContract({ abi, bytecode, args, account: admin, chain: foundry } as never);
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error("deployment created no contract");
  return { address: receipt.contractAddress, block: receipt.blockNumber };
}

/**
 * Deploys the registry, the licence ledger (with its two linked libraries) and the exchange through viem on a JSON-RPC
 * node whose first account is unlocked (anvil), with the same wiring as `deployTitlechain`: used by the indexer's tests
 * and benchmark, and the local stack.
 */
export async function deployTitlechainViem(url: string, transport: Transport = http(url)): Promise<Deployment> {
  const publicClient = createPublicClient({ chain: foundry, transport }) as PublicClient;
  const wallet = createWalletClient({ chain: foundry, transport });
  const [admin] = await wallet.getAddresses();
  if (!admin) throw new Error(`${url} has no unlocked account`);
  const registry = await deploy(
    publicClient,
    wallet,
    admin,
    provenanceRegistryAbi,
    bytecodeOf(provenanceRegistryBytecode),
    [admin],
  );
  const sublicensing = await deploy(publicClient, wallet, admin, sublicensingAbi, bytecodeOf(sublicensingBytecode), []);
  const revenueSplits = await deploy(
    publicClient,
    wallet,
    admin,
    revenueSplitsAbi,
    bytecodeOf(revenueSplitsBytecode),
    [],
  );
  const ledger = await deploy(
    publicClient,
    wallet,
    admin,
    licenceLedgerAbi,
    bytecodeOf(licenceLedgerBytecode, {
      Sublicensing: sublicensing.address,
      RevenueSplits: revenueSplits.address,
    }),
    [registry.address, admin, defaultLicenceUri],
  );
  const exchange = await deploy(publicClient, wallet, admin, exchangeAbi, bytecodeOf(exchangeBytecode), [
    registry.address,
    admin,
  ]);
  const hash = await wallet.writeContract({
    address: registry.address,
    abi: provenanceRegistryAbi,
    functionName: "setDerivativeAuthority",
    args: [ledger.address],
    account: admin,
    chain: foundry,
  });
  await publicClient.waitForTransactionReceipt({ hash });
  return {
    registry: registry.address,
    ledger: ledger.address,
    exchange: exchange.address,
    startBlock: registry.block,
    admin,
  };
}

/** Deploys a {BulkActor} (test helper) that drives the registry and ledger of a deployment in bulk. */
export async function deployBulkActor(url: string, deployment: Deployment): Promise<Hex> {
  const transport = http(url);
  const publicClient = createPublicClient({ chain: foundry, transport }) as PublicClient;
  const wallet = createWalletClient({ chain: foundry, transport });
  const actor = await deploy(publicClient, wallet, deployment.admin, bulkActorAbi, bytecodeOf(bulkActorBytecode), [
    deployment.registry,
    deployment.ledger,
  ]);
  return actor.address;
}
