// The Ignition module of Titlechain: the registry, the licence ledger with its four libraries, the exchange, wired.
import { buildModule } from "@nomicfoundation/ignition-core";
import { defaultLicenceUri } from "../../scripts/deploy/defaults.ts";

/**
 * Deploys what `deployTitlechain` deploys, the same way: `admin` (default: the deploying account) holds every admin
 * role, and the ledger becomes the registry's derivative authority. Parameters: `admin`, `licenceUri`.
 */
export default buildModule("Titlechain", (m) => {
  const admin = m.getParameter("admin", m.getAccount(0));
  const licenceUri = m.getParameter("licenceUri", defaultLicenceUri);
  const registry = m.contract("ProvenanceRegistry", [admin]);
  const libraries = {
    OfferBook: m.library("OfferBook"),
    Sublicensing: m.library("Sublicensing"),
    RevenueSplits: m.library("RevenueSplits"),
    DerivativeRoyalties: m.library("DerivativeRoyalties"),
  };
  const ledger = m.contract("LicenceLedger", [registry, admin, licenceUri], { libraries });
  const exchange = m.contract("Exchange", [registry, admin]);
  m.call(registry, "setDerivativeAuthority", [ledger]);
  return { registry, ledger, exchange };
});
