/**
 * Fails when line coverage of contracts/ (test helpers in contracts/test/ excluded) falls below the promised floor.
 * Reads the lcov report that `hardhat test --coverage` writes.
 */
import { readFile } from "node:fs/promises";

const minimumLinePercent = 95;
const lcov = await readFile(new URL("../coverage/lcov.info", import.meta.url), "utf8");

let found = 0;
let hit = 0;
let counted = false;
for (const line of lcov.split("\n")) {
  if (line.startsWith("SF:")) counted = /(^|\/)contracts\//.test(line.slice(3)) && !/contracts\/test\//.test(line);
  else if (counted && line.startsWith("LF:")) found += Number(line.slice(3));
  else if (counted && line.startsWith("LH:")) hit += Number(line.slice(3));
}
if (found === 0) throw new Error("coverage/lcov.info lists no line of contracts/");
const percent = (100 * hit) / found;
console.log(`contracts/ line coverage: ${percent.toFixed(2)}% (${hit}/${found}), minimum ${minimumLinePercent}%`);
if (percent < minimumLinePercent) process.exitCode = 1;
