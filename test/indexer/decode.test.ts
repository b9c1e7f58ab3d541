// Log decoding: every event of the three contracts decoded as viem decodes it.
import { expect } from "chai";
import { type AbiEvent, type AbiParameter, decodeAbiParameters, encodeAbiParameters, type Hex } from "viem";
import { abiReader } from "../../server/indexer/decode.ts";
import { exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi } from "../../types/abi/index.js";

/**
 * The indexer's own ABI decoder against viem's, on every event of our contracts whose data is more than words (structs,
 * arrays, bytes, strings), with random values: the same values with viem's types, addresses lower-case.
 */

let seed = 20261126;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const randomHex = (bytes: number) =>
  Array.from({ length: bytes }, () =>
    Math.floor(random() * 256)
      .toString(16)
      .padStart(2, "0"),
  ).join("");
const TEXTS = ["", "羌绣", "Qiang embroidery 羌族刺绣 ✓", "a".repeat(70)];

/** A random value of ABI type `p`, as viem encodes it. */
function randomValue(p: AbiParameter): unknown {
  const array = /^(.*)\[(\d*)\]$/.exec(p.type);
  if (array) {
    const inner = { ...p, type: array[1] as string } as AbiParameter;
    const length = array[2] === "" ? Math.floor(random() * 4) : Number(array[2]);
    return Array.from({ length }, () => randomValue(inner));
  }
  if (p.type === "tuple" && "components" in p) {
    return Object.fromEntries(p.components.map((c, i) => [c.name ?? String(i), randomValue(c)]));
  }
  if (p.type === "address") return `0x${randomHex(20)}`;
  if (p.type === "bool") return random() < 0.5;
  if (p.type === "bytes") return `0x${randomHex(Math.floor(random() * 80))}`;
  if (p.type === "string") return TEXTS[Math.floor(random() * TEXTS.length)];
  const fixed = /^bytes(\d+)$/.exec(p.type);
  if (fixed) return `0x${randomHex(Number(fixed[1]))}`;
  const integer = /^(u?)int(\d*)$/.exec(p.type);
  if (integer) {
    const bits = Number(integer[2] || 256);
    // Extremes as often as anything else: zero, the largest, and for signed types the most negative.
    const pick = random();
    const magnitude = pick < 0.2 ? 0n : pick < 0.4 ? (1n << BigInt(bits)) - 1n : BigInt(`0x${randomHex(bits / 8)}`);
    return integer[1] === "u" ? magnitude : BigInt.asIntN(bits, magnitude);
  }
  throw new Error(`no random value for ${p.type}`);
}

/** viem's decoded value with addresses lower-case and structs as objects by field name. */
function normalised(p: AbiParameter, value: unknown): unknown {
  if (p.type === "address") return String(value).toLowerCase();
  const array = /^(.*)\[\d*\]$/.exec(p.type);
  if (array) {
    const inner = { ...p, type: array[1] as string } as AbiParameter;
    return (value as unknown[]).map((v) => normalised(inner, v));
  }
  if (p.type === "tuple" && "components" in p) {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      p.components.map((c, i) => [c.name ?? String(i), normalised(c, record[c.name ?? ""] ?? (value as unknown[])[i])]),
    );
  }
  return value;
}

const events = [provenanceRegistryAbi, licenceLedgerAbi, exchangeAbi]
  .flatMap((abi) => (abi as readonly unknown[] as AbiEvent[]).filter((item) => item.type === "event"))
  .map((event) => ({ name: event.name, data: event.inputs.filter((p) => !p.indexed) }))
  .filter(({ data }) => data.some((p) => !/^(address|bool|bytes32|u?int\d*)$/.test(p.type)));

describe("indexer: decoding event data", () => {
  it("covers the events that need more than words", () => {
    expect(events.map((e) => e.name)).to.include.members(["OfferCreated", "SublicenceIssued", "SplitsSet"]);
  });

  for (const { name, data } of events) {
    it(`decodes ${name} as viem does, for random values`, () => {
      for (let i = 0; i < 50; i++) {
        const values = data.map(randomValue);
        const encoded = encodeAbiParameters(data, values);
        const expected = decodeAbiParameters(data, encoded).map((v, j) => normalised(data[j] as AbiParameter, v));
        expect(abiReader(data)(encoded.slice(2))).to.deep.equal(expected);
      }
    });
  }

  it("refuses data that ends before its encoding does, naming what it was reading", () => {
    const offer = events.find((e) => e.name === "OfferCreated");
    if (!offer) throw new Error("no OfferCreated event");
    const encoded = encodeAbiParameters(offer.data, offer.data.map(randomValue)).slice(2);
    expect(() => abiReader(offer.data)(encoded.slice(0, encoded.length - 64))).to.throw(/event data ends inside/);
    expect(() => abiReader(offer.data)(encoded.slice(0, 64 * 3))).to.throw(/event data ends inside/);
    const words = [{ type: "uint256[]", name: "ids" }] as const;
    // An array that claims more elements than the data holds.
    const claim = `${(32).toString(16).padStart(64, "0")}${(1000).toString(16).padStart(64, "0")}`;
    expect(() => abiReader(words)(claim as Hex)).to.throw("event data ends inside a uint256[] of 1000");
  });
});
