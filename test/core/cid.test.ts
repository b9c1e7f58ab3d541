// core/cid against multiformats and against the registry's CID storage and tokenURI.
import { expect } from "chai";
import fc from "fast-check";
import { base58btc } from "multiformats/bases/base58";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { identity } from "multiformats/hashes/identity";
import { sha256, sha512 } from "multiformats/hashes/sha2";
import { bytesToHex, type Hex, hexToBytes } from "viem";
import { CidError, cidFromHex, cidToHex, RAW_CODEC } from "../../core/cid.ts";
import { deployRegistry, networkHelpers, newWork, now, unique } from "../registry/fixture.ts";

const SHA2_256 = 0x12;
const DAG_PB = 0x70;
const DAG_CBOR = 0x71;
const DAG_JSON = 0x0129;

const encoder = new TextEncoder();

/** A CIDv1 with a sha2-256 multihash of `text` (or of a fresh unique value) and the given codec. */
async function cidV1(codec: number, text: string = unique("file")): Promise<CID> {
  return CID.create(1, codec, await sha256.digest(encoder.encode(text)));
}

function hexOf(cid: CID): Hex {
  return bytesToHex(cid.bytes);
}

/** A 32-byte sha2-256 digest, as hex without the 0x. */
function digestHex(): string {
  return unique("digest").slice(2);
}

const sha256Digest = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((d) => Digest.create(SHA2_256, d));
/** Every codec the registry's four-byte varint can carry. */
const storableCodec = fc.integer({ min: 1, max: 0x0fffffff });

describe("core/cid", () => {
  it("round-trips CIDv1 sha2-256 strings through their binary form", () => {
    fc.assert(
      fc.property(storableCodec, sha256Digest, (codec, digest) => {
        const cid = CID.create(1, codec, digest);
        const hex = cidToHex(cid.toString());
        expect(hex).to.equal(hexOf(cid));
        expect(cidFromHex(hex)).to.equal(cid.toString());
      }),
      { numRuns: 30 },
    );
  });

  it("gives the binary layout 0x01 || varint(codec) || 0x12 || 0x20 || digest", async () => {
    const cid = await cidV1(RAW_CODEC, "hello");
    expect(cidToHex(cid.toString())).to.equal(
      "0x015512202cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    );
    const dagJson = await cidV1(DAG_JSON, "hello");
    expect(cidToHex(dagJson.toString())).to.equal(
      "0x01a90212202cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    );
  });

  it("accepts a CIDv1 string in base58btc too, giving the same bytes", async () => {
    const cid = await cidV1(DAG_CBOR);
    expect(cidToHex(cid.toString(base58btc))).to.equal(hexOf(cid));
  });

  it("prints binary CIDs as base32 CIDv1 strings, as IPFS does", async () => {
    const cid = await cidV1(RAW_CODEC);
    const printed = cidFromHex(hexOf(cid));
    expect(printed.startsWith("b")).to.equal(true);
    expect(printed).to.equal(cid.toString());
  });

  it("refuses a CIDv0 string with CidError", async () => {
    const v0 = CID.create(0, DAG_PB, await sha256.digest(encoder.encode("hello")));
    expect(v0.toString().startsWith("Qm")).to.equal(true);
    expect(() => cidToHex(v0.toString())).to.throw(CidError, "CIDv1 required");
  });

  it("refuses CIDv1 strings whose multihash is not sha2-256 with CidError", async () => {
    const sha512Cid = CID.create(1, RAW_CODEC, await sha512.digest(encoder.encode("hello")));
    const identityCid = CID.create(1, RAW_CODEC, identity.digest(new Uint8Array(32)));
    expect(() => cidToHex(sha512Cid.toString())).to.throw(CidError, "sha2-256");
    expect(() => cidToHex(identityCid.toString())).to.throw(CidError, "sha2-256");
  });

  it("refuses strings that are not CIDs with CidError", () => {
    for (const text of ["", "hello", "bafy", "Qm123", "ipfs://bafkreih"]) {
      expect(() => cidToHex(text), text).to.throw(CidError);
    }
  });

  it("refuses bytes that are not a complete binary CID with CidError", async () => {
    const hex = hexOf(await cidV1(RAW_CODEC));
    for (const bytes of ["0x", "0x01", "0x0155", hex.slice(0, -2), `${hex}00`] as Hex[]) {
      expect(() => cidFromHex(bytes), bytes).to.throw(CidError);
    }
  });

  // The core accepts exactly what the registry's Cid.parse accepts, in both directions.
  it("cidFromHex refuses CIDv0 bytes with CidError", async () => {
    const v0 = CID.create(0, DAG_PB, await sha256.digest(encoder.encode("hello")));
    expect(() => cidFromHex(hexOf(v0))).to.throw(CidError);
  });

  it("cidFromHex refuses CIDv1 bytes whose multihash is not sha2-256 with CidError", async () => {
    const sha512Cid = CID.create(1, RAW_CODEC, await sha512.digest(encoder.encode("hello")));
    expect(() => cidFromHex(hexOf(sha512Cid))).to.throw(CidError);
  });

  it("refuses codecs the registry cannot store (zero, or a varint longer than four bytes)", async () => {
    for (const codec of [0, 2 ** 28]) {
      const cid = CID.create(1, codec, await sha256.digest(encoder.encode("hello")));
      expect(() => cidToHex(cid.toString()), `codec ${codec}`).to.throw(CidError);
      expect(() => cidFromHex(hexOf(cid)), `codec ${codec}`).to.throw(CidError);
    }
  });
});

describe("ProvenanceRegistry: metadata CIDs (Cid library)", () => {
  const codecs: [string, number][] = [
    ["raw", RAW_CODEC],
    ["dag-pb", DAG_PB],
    ["dag-cbor", DAG_CBOR],
    ["dag-json (2-byte varint)", DAG_JSON],
    ["the smallest codec", 0x01],
    ["the largest 1-byte varint", 0x7f],
    ["the smallest 2-byte varint", 0x80],
    ["the largest 2-byte varint", 0x3fff],
    ["the smallest 3-byte varint", 0x4000],
    ["the largest 3-byte varint", 0x1fffff],
    ["the smallest 4-byte varint", 0x200000],
    ["0x300001 (4-byte varint)", 0x300001],
    ["the largest 4-byte varint", 0x0fffffff],
  ];

  for (const [name, codec] of codecs) {
    it(`registers ${name} metadata and serves it as ipfs://<CIDv1 base32> and as the same bytes`, async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const cid = await cidV1(codec);
      const r = newWork(alice.address, { metadataCid: hexOf(cid) });
      const tx = await registry.connect(alice).register(r);
      await expect(tx)
        .to.emit(registry, "WorkRegistered")
        .withArgs(
          BigInt(r.contentHash),
          alice.address,
          codec,
          bytesToHex(cid.multihash.digest),
          alice.address,
          500,
          await now(),
        );
      expect(await registry.tokenURI(r.contentHash)).to.equal(`ipfs://${cid.toString()}`);
      expect((await registry.workOf(r.contentHash)).metadataCid).to.equal(hexOf(cid));
    });

    it(`updates metadata to ${name} and serves the new CID`, async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const r = newWork(alice.address);
      await registry.connect(alice).register(r);
      const cid = await cidV1(codec);
      const tx = await registry.connect(alice).updateMetadata(r.contentHash, hexOf(cid));
      await expect(tx)
        .to.emit(registry, "MetadataChanged")
        .withArgs(BigInt(r.contentHash), alice.address, codec, bytesToHex(cid.multihash.digest), await now());
      await expect(tx).to.emit(registry, "MetadataUpdate").withArgs(BigInt(r.contentHash));
      expect(await registry.tokenURI(r.contentHash)).to.equal(`ipfs://${cid.toString()}`);
      expect((await registry.workOf(r.contentHash)).metadataCid).to.equal(hexOf(cid));
    });
  }

  it("serves every storable codec and digest exactly as multiformats prints it", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const r = newWork(alice.address);
    await registry.connect(alice).register(r);
    await fc.assert(
      fc.asyncProperty(storableCodec, sha256Digest, async (codec, digest) => {
        const cid = CID.create(1, codec, digest);
        await registry.connect(alice).updateMetadata(r.contentHash, hexOf(cid));
        expect(await registry.tokenURI(r.contentHash)).to.equal(`ipfs://${cid.toString()}`);
        expect((await registry.workOf(r.contentHash)).metadataCid).to.equal(hexOf(cid));
        expect(cidFromHex((await registry.workOf(r.contentHash)).metadataCid as Hex)).to.equal(cid.toString());
      }),
      { numRuns: 30 },
    );
  });

  it("reverts tokenURI for a work that is not registered", async () => {
    const { registry } = await networkHelpers.loadFixture(deployRegistry);
    const workId = BigInt(unique("content"));
    await expect(registry.tokenURI(workId))
      .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
      .withArgs(workId);
  });

  describe("rejects metadata that is not a binary CIDv1 with a sha2-256 multihash", () => {
    const digest = digestHex();
    const invalid: [string, () => Promise<Hex>][] = [
      ["empty bytes", async () => "0x"],
      [
        "CIDv0 bytes (a bare multihash)",
        async () => hexOf(CID.create(0, DAG_PB, await sha256.digest(encoder.encode("x")))),
      ],
      ["version byte 0x00", async () => `0x00551220${digest}`],
      ["version byte 0x02", async () => `0x02551220${digest}`],
      ["version byte 0x02 with a 2-byte codec", async () => `0x02a9021220${digest}`],
      ["a sha2-512 multihash", async () => hexOf(CID.create(1, RAW_CODEC, await sha512.digest(encoder.encode("x"))))],
      [
        "an identity multihash of 32 bytes",
        async () => hexOf(CID.create(1, RAW_CODEC, identity.digest(new Uint8Array(32)))),
      ],
      ["a sha3-256 multihash (0x16) of 32 bytes", async () => `0x01551620${digest}`],
      ["a blake2b-256 multihash (0xb220) of 32 bytes", async () => `0x0155a0e40220${digest}`],
      ["a sha2-256 code with digest length 0x1f and 32 bytes", async () => `0x0155121f${digest}`],
      ["a sha2-256 code with digest length 0x21 and 32 bytes", async () => `0x01551221${digest}`],
      ["a sha2-256 code with digest length 0x1f and 31 bytes", async () => `0x0155121f${digest.slice(2)}`],
      ["a digest one byte short", async () => `0x01551220${digest.slice(2)}`],
      ["a digest one byte short after a 2-byte codec", async () => `0x01a9021220${digest.slice(2)}`],
      ["a digest one byte short after a 4-byte codec", async () => `0x01ffffff7f1220${digest.slice(2)}`],
      ["only the prefix", async () => "0x01551220"],
      ["one extra byte", async () => `0x01551220${digest}00`],
      ["three extra bytes", async () => `0x01551220${digest}000000`],
      ["one extra byte after a 2-byte codec", async () => `0x01a9021220${digest}ff`],
      ["one extra byte after a 4-byte codec", async () => `0x01ffffff7f1220${digest}00`],
      ["a non-minimal 2-byte varint (0xd5 0x00 for raw)", async () => `0x01d5001220${digest}`],
      ["a non-minimal 3-byte varint (0xa9 0x82 0x00 for dag-json)", async () => `0x01a982001220${digest}`],
      ["a non-minimal 4-byte varint (0x81 0x80 0x80 0x00 for 1)", async () => `0x01818080001220${digest}`],
      ["codec zero", async () => `0x01001220${digest}`],
      ["codec zero as a 2-byte varint", async () => `0x0180001220${digest}`],
      ["a 5-byte varint", async () => `0x018080808001${"1220"}${digest}`],
      ["a 5-byte varint within 39 bytes", async () => `0x01ffffffff7f1220${digest.slice(2)}`],
      ["a varint whose continuation bits run into the digest", async () => `0x01ffffffff${digest}`],
      ["a valid CID with the version byte dropped", async () => `0x551220${digest}`],
    ];

    for (const [name, build] of invalid) {
      it(`on register: ${name}`, async () => {
        const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
        const cid = await build();
        await expect(registry.connect(alice).register(newWork(alice.address, { metadataCid: cid })))
          .to.be.revertedWithCustomError(registry, "InvalidMetadataCid")
          .withArgs(cid);
      });
    }

    it("on updateMetadata, for every malformed CID above, leaving the metadata unchanged", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const r = newWork(alice.address);
      await registry.connect(alice).register(r);
      const uri = await registry.tokenURI(r.contentHash);
      for (const [name, build] of invalid) {
        const cid = await build();
        await expect(registry.connect(alice).updateMetadata(r.contentHash, cid), name)
          .to.be.revertedWithCustomError(registry, "InvalidMetadataCid")
          .withArgs(cid);
      }
      expect(await registry.tokenURI(r.contentHash)).to.equal(uri);
    });

    it("while accepting the same bytes once corrected", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      for (const cid of [`0x01551220${digest}`, `0x01a9021220${digest}`, `0x01ffffff7f1220${digest}`] as Hex[]) {
        const r = newWork(alice.address, { metadataCid: cid });
        await registry.connect(alice).register(r);
        expect((await registry.workOf(r.contentHash)).metadataCid).to.equal(cid);
        expect(await registry.tokenURI(r.contentHash)).to.equal(`ipfs://${CID.decode(hexToBytes(cid)).toString()}`);
      }
    });
  });

  it("stores what cidToHex produces, so a CID string survives the chain unchanged", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const cid = await cidV1(DAG_JSON);
    const r = newWork(alice.address, { metadataCid: cidToHex(cid.toString()) });
    await registry.connect(alice).register(r);
    const stored = (await registry.workOf(r.contentHash)).metadataCid as Hex;
    expect(stored).to.equal(r.metadataCid);
    expect(cidFromHex(stored)).to.equal(cid.toString());
  });
});
