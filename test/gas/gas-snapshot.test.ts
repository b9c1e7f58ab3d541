// Fails when a gas figure grows past the committed snapshot or misses its target.
import { readFile } from "node:fs/promises";
import { expect } from "chai";
import { network } from "hardhat";
import { gasRegressionTolerance, gasSnapshotPath } from "../../scripts/gas/gas-snapshot.ts";
import { gasTargets } from "../../scripts/gas/gas-targets.ts";
import { measureMarketGas } from "../../scripts/gas/measure-market-gas.ts";
import { measureRegistryGas } from "../../scripts/gas/measure-registry-gas.ts";

describe("gas snapshot", () => {
  it("measures every targeted operation within 2% of the committed snapshot and within its target", async () => {
    const { ethers } = await network.create();
    const { detail: _registryDetail, ...registry } = await measureRegistryGas(ethers);
    const { detail: _detail, ...market } = await measureMarketGas(ethers);
    const measured: Record<string, number> = { ...registry, ...market };
    const snapshot = JSON.parse(await readFile(gasSnapshotPath, "utf8")) as Record<string, number>;
    expect(Object.keys(measured).sort()).to.deep.equal(Object.keys(snapshot).sort());
    for (const [key, gas] of Object.entries(measured)) {
      const recorded = snapshot[key] ?? 0;
      expect(gas, `${key}: ${gas} gas against ${recorded} in the snapshot`).to.be.at.most(
        Math.floor(recorded * (1 + gasRegressionTolerance)),
      );
    }
    for (const { key, target } of gasTargets) expect(measured[key], key).to.be.at.most(target);
  });
});
