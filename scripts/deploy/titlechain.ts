// Deploys and wires the registry, the ledger with its libraries and the exchange through ethers.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Exchange, LicenceLedger, ProvenanceRegistry } from "../../types/ethers-contracts/index.ts";
import { defaultLicenceUri } from "./defaults.ts";

/** The deployed Titlechain contracts. */
export type Titlechain = {
  registry: ProvenanceRegistry;
  ledger: LicenceLedger;
  exchange: Exchange;
};

/**
 * Deploys the registry, the licence ledger (with its four linked libraries) and the exchange, with `admin` holding
 * every admin role, and makes the ledger the registry's derivative authority. Used by tests, benchmarks and the
 * local stack alike, so every part runs the same wiring.
 */
export async function deployTitlechain(
  ethers: HardhatEthers,
  admin: HardhatEthersSigner,
  licenceUri: string = defaultLicenceUri,
): Promise<Titlechain> {
  const registry = (await ethers.deployContract(
    "ProvenanceRegistry",
    [admin.address],
    admin,
  )) as unknown as ProvenanceRegistry;
  const registryAddress = await registry.getAddress();
  const libraries: Record<string, string> = {};
  for (const name of ["OfferBook", "Sublicensing", "RevenueSplits", "DerivativeRoyalties"]) {
    libraries[name] = await (await ethers.deployContract(name, [], admin)).getAddress();
  }
  const ledger = (await ethers.deployContract("LicenceLedger", [registryAddress, admin.address, licenceUri], {
    signer: admin,
    libraries,
  })) as unknown as LicenceLedger;
  const exchange = (await ethers.deployContract(
    "Exchange",
    [registryAddress, admin.address],
    admin,
  )) as unknown as Exchange;
  await (await registry.connect(admin).setDerivativeAuthority(await ledger.getAddress())).wait();
  return { registry, ledger, exchange };
}
