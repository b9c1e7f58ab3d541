// Hardhat 3 configuration: the pinned wasm solc, via-IR, the test folder.
import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);
const solc = require("solc/package.json") as { version: string };

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    // The compiler is the wasm build shipped by the exact `solc` npm package: nothing is downloaded.
    version: solc.version,
    path: require.resolve("solc/soljson.js"),
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      viaIR: true,
    },
  },
  paths: {
    tests: { mocha: "test" },
  },
  networks: {
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    // The chain `npm run deploy` deploys to: its node and the deployer's key come from the environment or Hardhat's
    // keystore (`npx hardhat keystore set TITLECHAIN_DEPLOYER_KEY`), never from this file.
    titlechain: {
      type: "http",
      url: configVariable("TITLECHAIN_RPC_URL"),
      accounts: [configVariable("TITLECHAIN_DEPLOYER_KEY")],
    },
  },
});
