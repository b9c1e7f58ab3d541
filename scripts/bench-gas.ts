/**
 * `npm run bench:gas [-- --json FILE] [-- --update-snapshot]`: measures the gas of every operation from transaction
 * receipts on Hardhat's in-process network, prints it beside its target and anchors, and writes the figures as JSON.
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { network } from "hardhat";
import { gasSnapshotPath } from "./gas/gas-snapshot.ts";
import { gasTargets } from "./gas/gas-targets.ts";
import { measureMarketGas } from "./gas/measure-market-gas.ts";
import { measureRegistryGas } from "./gas/measure-registry-gas.ts";

const { values } = parseArgs({
  options: { json: { type: "string" }, "update-snapshot": { type: "boolean", default: false } },
});

const { ethers } = await network.create();
const { detail: registryDetail, ...registry } = await measureRegistryGas(ethers);
const { detail, ...market } = await measureMarketGas(ethers);
const measured: Record<string, number> = { ...registry, ...market };

const rows = gasTargets.map(({ key, operation, target, anchors }) => {
  const gas = measured[key];
  if (gas === undefined) throw new Error(`no measurement for ${key}`);
  return { key, operation, gas, target, verdict: gas <= target ? "ok" : "OVER", anchors };
});
console.table(rows.map(({ anchors, ...row }) => ({ ...row, anchors: anchors ?? "" })));
console.log("other cases, not targeted:");
console.table({ ...registryDetail, ...detail });

// The JSON carries the untargeted cases too (under `detail`); the snapshot only what the gas test holds to.
if (values.json) {
  await writeFile(
    values.json,
    `${JSON.stringify({ ...measured, detail: { ...registryDetail, ...detail } }, null, 2)}\n`,
  );
}
if (values["update-snapshot"]) await writeFile(gasSnapshotPath, `${JSON.stringify(measured, null, 2)}\n`);
if (rows.some((r) => r.verdict !== "ok")) process.exitCode = 1;
