// The web's error sentences: one for every custom error of the ABIs and every API code, in both languages; the decoder.
import { readdir, readFile } from "node:fs/promises";
import { expect } from "chai";
import {
  type Address,
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  encodeErrorResult,
  type Hex,
} from "viem";
import { API_ERROR_CODES } from "../../server/api/errors.ts";
import { revertReason } from "../../server/relayer/requests.ts";
import * as abis from "../../types/abi/index.js";
import { exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi } from "../../types/abi/index.js";
import apiEn from "../../web/src/errors/api.en.json" with { type: "json" };
import apiZh from "../../web/src/errors/api.zh.json" with { type: "json" };
import contractEn from "../../web/src/errors/contract.en.json" with { type: "json" };
import { CONTRACT_ERRORS, describeRevert, refusalOf } from "../../web/src/errors/contract.ts";
import contractZh from "../../web/src/errors/contract.zh.json" with { type: "json" };
import { describeProblem, WEB_CODES } from "../../web/src/errors/describe.ts";

/** Every custom error of the generated ABIs by name, with the names of its inputs (read here, not from the web). */
const abiErrors = new Map<string, Set<string>>();
type AbiItem = { type: string; name?: string; inputs?: { name: string }[] };
for (const abi of Object.values(abis) as unknown as readonly (readonly AbiItem[])[]) {
  for (const item of abi) {
    if (item.type !== "error" || !item.name) continue;
    const inputs = abiErrors.get(item.name) ?? new Set<string>();
    for (const input of item.inputs ?? []) inputs.add(input.name);
    abiErrors.set(item.name, inputs);
  }
}

const apiCodes = new Set<string>([...API_ERROR_CODES, ...WEB_CODES]);
const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] as string).sort();
const sorted = (keys: Iterable<string>) => [...keys].sort();

const catalogues = [
  ["contract", contractEn, contractZh],
  ["api", apiEn, apiZh],
] as const;

describe("error sentences: complete", () => {
  it("the ABIs hold the contracts' and OpenZeppelin's errors", () => {
    expect(abiErrors.size).to.be.greaterThan(100);
    for (const name of [
      "UnknownWork",
      "ERC721NonexistentToken",
      "ERC1155InsufficientBalance",
      "ReentrancyGuardReentrantCall",
    ]) {
      expect(abiErrors.has(name), name).to.equal(true);
    }
  });

  it("a sentence in English and in Chinese for every custom error of every ABI, and for no other name", () => {
    for (const catalogue of [contractEn, contractZh] as Record<string, string>[]) {
      const missing = [...abiErrors.keys()].filter((name) => !(catalogue[name] ?? "").trim());
      expect(missing).to.deep.equal([]);
      expect(sorted(Object.keys(catalogue))).to.deep.equal(sorted(abiErrors.keys()));
    }
  });

  it("the decoder knows every error the ABIs hold", () => {
    expect(sorted(new Set(CONTRACT_ERRORS.map((e) => e.name)))).to.deep.equal(sorted(abiErrors.keys()));
  });

  it("a sentence in both languages for every code the API can answer with and the web's own, and no other", () => {
    expect(API_ERROR_CODES.length).to.be.greaterThan(20);
    for (const catalogue of [apiEn, apiZh] as Record<string, string>[]) {
      const missing = [...apiCodes].filter((code) => !(catalogue[code] ?? "").trim());
      expect(missing).to.deep.equal([]);
      expect(sorted(Object.keys(catalogue))).to.deep.equal(sorted(apiCodes));
    }
  });

  it("every code the server's source writes is in the API's list", async () => {
    // The list is what the types check against; this catches a code written past them (a literal in an object).
    const written = new Set<string>();
    const patterns = [
      /new ApiError\(\s*\d+,\s*"(\w+)"/g,
      /new RelayRefused\(\s*"(\w+)"/g,
      /\bcode: "(\w+)"/g,
      /\bcode: Type\.Literal\("(\w+)"\)/g,
    ];
    for (const dir of ["server/api", "server/api/routes", "server/relayer"]) {
      for (const file of await readdir(dir)) {
        if (!file.endsWith(".ts")) continue;
        const source = await readFile(`${dir}/${file}`, "utf8");
        for (const pattern of patterns) for (const m of source.matchAll(pattern)) written.add(m[1] as string);
      }
    }
    expect(written.size).to.be.greaterThan(10);
    expect([...written].filter((code) => !(API_ERROR_CODES as readonly string[]).includes(code))).to.deep.equal([]);
  });
});

describe("error sentences: the two languages agree", () => {
  for (const [name, english, chinese] of catalogues) {
    it(`${name}: the same keys and the same placeholders, every Chinese sentence in Chinese`, () => {
      const en = english as Record<string, string>;
      const zh = chinese as Record<string, string>;
      expect(sorted(Object.keys(zh))).to.deep.equal(sorted(Object.keys(en)));
      for (const key of Object.keys(en)) {
        expect(placeholders(zh[key] as string), key).to.deep.equal(placeholders(en[key] as string));
        expect(zh[key], key).to.match(/[\u4e00-\u9fff]/);
      }
    });
  }

  it("placeholders name inputs of the error in the ABI", () => {
    for (const [name, text] of [...Object.entries(contractEn), ...Object.entries(contractZh)]) {
      const inputs = abiErrors.get(name) ?? new Set<string>();
      expect(
        placeholders(text).filter((p) => !inputs.has(p)),
        `${name}: ${text}`,
      ).to.deep.equal([]);
    }
    for (const [code, text] of [...Object.entries(apiEn), ...Object.entries(apiZh)]) {
      expect(placeholders(text), code).to.deep.equal([]);
    }
  });

  it("the English sentences are plain words, without the engineers' terms", () => {
    const jargon = /revert|nonce|\bERC|bytes|hash|calldata|selector|merkle|\bCID\b|0x|token id|basis point|\bbps\b/i;
    for (const [key, text] of [...Object.entries(contractEn), ...Object.entries(apiEn)]) {
      expect(text.replace(/\{\{\w+\}\}/g, ""), key).to.not.match(jargon);
    }
  });
});

describe("error sentences: decoding a refusal", () => {
  const workId = 0x1f2e3d4c5b6a79880102030405060708090a0b0c0d0e0f101112131415169a8bn;
  const owner: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  const encode = (abi: readonly unknown[], errorName: string, args: readonly unknown[]): Hex =>
    encodeErrorResult({ abi, errorName, args } as Parameters<typeof encodeErrorResult>[0]);

  it("revert data with arguments: works by their short fingerprint, accounts shortened, in each language", () => {
    const data = encode(provenanceRegistryAbi, "WorkAlreadyRegistered", [workId, owner]);
    expect(describeRevert(data, "en")).to.equal(
      "This file is already registered, as work 0x1f2e3d…9a8b held by 0x7099…79C8. If you made a private " +
        "registration of it earlier, you can claim to have registered first with it.",
    );
    expect(describeRevert(data, "zh")).to.equal(
      "这个文件已经登记过，是由 0x7099…79C8 持有的作品 0x1f2e3d…9a8b。如果您此前做过它的私密登记，可以凭此主张由您先行登记。",
    );
  });

  it("shares as percentages, counts as numbers, a country's code as its letters, a time as a date", () => {
    expect(describeRevert(encode(provenanceRegistryAbi, "RoyaltyTooHigh", [3000, 2500]), "en")).to.equal(
      "A royalty of 30% is too high: the most allowed is 25%.",
    );
    expect(describeRevert(encode(provenanceRegistryAbi, "RoyaltyTooHigh", [3000, 2500]), "zh")).to.equal(
      "30% 的版税过高，最高允许 25%。",
    );
    expect(describeRevert(encode(provenanceRegistryAbi, "TooManyParents", [1234n, 16n]), "en")).to.equal(
      "A work can be based on at most 16 earlier works; this one names 1,234.",
    );
    expect(describeRevert(encode(licenceLedgerAbi, "InvalidCountry", ["0x434e"]), "en")).to.equal(
      "“CN” is not a country the platform knows. Please choose the countries from the list.",
    );
    const expired = describeRevert(encode(exchangeAbi, "BidExpired", [workId, owner, 1_900_000_000]), "en") ?? "";
    expect(expired).to.match(/^The offer to buy work 0x1f2e3d…9a8b expired on .*2030.*\. A new offer is needed\.$/);
  });

  it("a viem error of a call: decoded by viem, or by us when the call's ABI lacks the error", () => {
    const data = encode(licenceLedgerAbi, "UnknownWork", [workId]);
    const sentence = "No work 0x1f2e3d…9a8b is registered. Please check the work, or register it first.";
    for (const abi of [licenceLedgerAbi, provenanceRegistryAbi]) {
      const revert = new ContractFunctionRevertedError({ abi, data, functionName: "buy" });
      const error = new ContractFunctionExecutionError(revert, { abi, functionName: "buy", args: [] });
      expect(describeRevert(error, "en")).to.equal(sentence);
    }
  });

  it("the relayer's reason for a failed request, as the server writes it", () => {
    const data = encode(provenanceRegistryAbi, "InvalidNonce", [owner, 5n, 3n]);
    const revert = new ContractFunctionRevertedError({
      abi: provenanceRegistryAbi,
      data,
      functionName: "registerWithSig",
    });
    // The server's own words for it (server/relayer/requests.ts), as a failed request's status carries them.
    const reason = `the registry would refuse it: ${revertReason(revert)}`;
    expect(reason).to.match(/InvalidNonce\(0x7099/);
    expect(describeRevert(reason, "en")).to.equal(
      "This signature was already used, or an earlier request from 0x7099…79C8 is still waiting. Please wait a " +
        "moment, then sign again.",
    );
    // A string's argument keeps its commas.
    const scope = refusalOf("the registry would refuse it: ScopeExceedsParent(7, territory, fields)");
    expect(scope?.error?.name).to.equal("ScopeExceedsParent");
    expect(scope && "args" in scope ? scope.args : []).to.deep.equal([7n, "territory, fields"]);
  });

  it("a refusal without a known reason, and failures that are no refusal", () => {
    expect(describeRevert("the transaction 0xabc reverted in block 12", "en")).to.equal(apiEn.Reverted);
    expect(describeRevert("0x08c379a0", "zh")).to.equal(apiZh.Reverted);
    expect(describeRevert(new Error("fetch failed"), "en")).to.equal(null);
    expect(describeRevert(undefined, "en")).to.equal(null);
    // Cut-short data still names its error by the selector; its arguments read as "…".
    const cut = encode(licenceLedgerAbi, "UnknownGrant", [1n]).slice(0, 10) as Hex;
    expect(describeRevert(cut, "en")).to.equal("There is no licence …. Please check the licence.");
  });
});

describe("error sentences: an API problem", () => {
  it("by its code, else by its status", () => {
    expect(describeProblem({ status: 409, code: "AlreadyPending" }, "zh")).to.equal(apiZh.AlreadyPending);
    expect(describeProblem({ status: 0, code: "Network" }, "en")).to.equal(apiEn.Network);
    expect(describeProblem({ status: 502, code: "Http502" }, "en")).to.equal(apiEn.Internal);
    expect(describeProblem({ status: 429, code: "Http429" }, "zh")).to.equal(apiZh.RateLimited);
    expect(describeProblem({ status: 400, code: "constructor" }, "en")).to.equal(apiEn.unknown);
  });
});
