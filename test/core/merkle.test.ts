// core/merkle and core/commitment against OpenZeppelin's Merkle tree and the registry.
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import fc from "fast-check";
import {
  type Address,
  bytesToHex,
  encodeAbiParameters,
  getAddress,
  type Hex,
  keccak256,
  zeroAddress,
  zeroHash,
} from "viem";
import { batchLeafOf, commitmentOf } from "../../core/commitment.ts";
import { buildMerkleTree, hashPair, MerkleError, merkleProofOf, processMerkleProof } from "../../core/merkle.ts";
import { deployRegistry, networkHelpers, newWork, now, unique } from "../registry/fixture.ts";

type Value = [Address, Hex, Hex];

const ENCODING = ["address", "bytes32", "bytes32"];

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b));
const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b)));
const value: fc.Arbitrary<Value> = fc.tuple(address, bytes32, bytes32);
/** Leaf sets of 1 to 40 distinct (creator, contentHash, salt) tuples. */
const values = fc.uniqueArray(value, { minLength: 1, maxLength: 40, selector: (v) => v.join(",") });

const leafOf = ([creator, contentHash, salt]: Value): Hex => batchLeafOf(creator, contentHash, salt);

describe("core/commitment", () => {
  it("commits to keccak256(abi.encode(creator, contentHash, salt))", () => {
    fc.assert(
      fc.property(value, ([creator, contentHash, salt]) => {
        const expected = keccak256(
          encodeAbiParameters(
            [{ type: "address" }, { type: "bytes32" }, { type: "bytes32" }],
            [creator, contentHash, salt],
          ),
        );
        expect(commitmentOf(creator, contentHash, salt)).to.equal(expected);
      }),
      { numRuns: 30 },
    );
  });

  it("gives the batch leaf OpenZeppelin's StandardMerkleTree gives the same tuple", () => {
    fc.assert(
      fc.property(value, (v) => {
        const tree = StandardMerkleTree.of([v], ENCODING);
        expect(leafOf(v)).to.equal(tree.leafHash(v));
        expect(leafOf(v)).to.equal(keccak256(commitmentOf(...v)));
      }),
      { numRuns: 30 },
    );
  });

  it("binds every field: changing the creator, the content hash or the salt changes the commitment", () => {
    fc.assert(
      fc.property(value, value, ([creator, contentHash, salt], [otherCreator, otherHash, otherSalt]) => {
        fc.pre(creator !== otherCreator && contentHash !== otherHash && salt !== otherSalt);
        const commitment = commitmentOf(creator, contentHash, salt);
        expect(commitmentOf(otherCreator, contentHash, salt)).to.not.equal(commitment);
        expect(commitmentOf(creator, otherHash, salt)).to.not.equal(commitment);
        expect(commitmentOf(creator, contentHash, otherSalt)).to.not.equal(commitment);
      }),
      { numRuns: 30 },
    );
  });
});

describe("core/merkle", () => {
  it("builds the same root as OpenZeppelin's StandardMerkleTree for the same tuples", () => {
    fc.assert(
      fc.property(values, (vs) => {
        const ours = buildMerkleTree(vs.map(leafOf));
        const theirs = StandardMerkleTree.of(vs, ENCODING);
        expect(ours.root).to.equal(theirs.root);
        expect(ours.nodes.length).to.equal(2 * vs.length - 1);
        expect(ours.nodes[0]).to.equal(ours.root);
      }),
      { numRuns: 30 },
    );
  });

  it("does not depend on the order of the leaves", () => {
    fc.assert(
      fc.property(
        values.chain((vs) => fc.tuple(fc.constant(vs), fc.shuffledSubarray(vs, { minLength: vs.length }))),
        ([vs, shuffled]) => {
          expect(buildMerkleTree(shuffled.map(leafOf)).root).to.equal(buildMerkleTree(vs.map(leafOf)).root);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("gives every leaf a proof that processes to the root and matches OpenZeppelin's proof", () => {
    fc.assert(
      fc.property(values, (vs) => {
        const tree = buildMerkleTree(vs.map(leafOf));
        const theirs = StandardMerkleTree.of(vs, ENCODING);
        for (const v of vs) {
          const proof = merkleProofOf(tree, leafOf(v));
          expect(processMerkleProof(leafOf(v), proof)).to.equal(tree.root);
          expect(proof).to.deep.equal(theirs.getProof(v));
          expect(StandardMerkleTree.verify(tree.root, ENCODING, v, proof)).to.equal(true);
        }
      }),
      { numRuns: 30 },
    );
  });

  it("throws MerkleError for the proof of a leaf that is not in the tree", () => {
    fc.assert(
      fc.property(values, value, (vs, missing) => {
        fc.pre(!vs.some((v) => v.join(",") === missing.join(",")));
        const tree = buildMerkleTree(vs.map(leafOf));
        expect(() => merkleProofOf(tree, leafOf(missing))).to.throw(MerkleError);
      }),
      { numRuns: 30 },
    );
  });

  it("finds a leaf whatever the case of its hex digits", () => {
    const leaves = [unique("leaf"), unique("leaf"), unique("leaf")];
    const tree = buildMerkleTree(leaves);
    for (const leaf of leaves) {
      const upper = `0x${leaf.slice(2).toUpperCase()}` as Hex;
      expect(merkleProofOf(tree, upper)).to.deep.equal(merkleProofOf(tree, leaf));
    }
  });

  it("uses the leaf itself as the root of a one-leaf tree, with an empty proof", () => {
    const leaf = unique("leaf");
    const tree = buildMerkleTree([leaf]);
    expect(tree.root).to.equal(leaf);
    expect(merkleProofOf(tree, leaf)).to.deep.equal([]);
  });

  it("throws MerkleError for an empty tree", () => {
    expect(() => buildMerkleTree([])).to.throw(MerkleError, "at least one leaf");
  });

  it("does not modify the leaves it is given", () => {
    const leaves = [unique("leaf"), unique("leaf"), unique("leaf"), unique("leaf")];
    const copy = [...leaves];
    buildMerkleTree(leaves);
    expect(leaves).to.deep.equal(copy);
  });

  it("hashes pairs commutatively, the smaller node first", () => {
    fc.assert(
      fc.property(bytes32, bytes32, (a, b) => {
        expect(hashPair(a, b)).to.equal(hashPair(b, a));
        const [lo, hi] = BigInt(a) < BigInt(b) ? [a, b] : [b, a];
        expect(hashPair(a, b)).to.equal(keccak256(`0x${lo.slice(2)}${hi.slice(2)}`));
      }),
      { numRuns: 30 },
    );
  });
});

describe("core/commitment and core/merkle against the registry", () => {
  it("computes commitments the registry accepts: committed from TypeScript, revealed on chain", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const r = newWork(alice.address);
    const salt = unique("salt");
    const commitment = commitmentOf(alice.address as Address, r.contentHash, salt);
    await registry.connect(alice).commit(commitment);
    const committedAt = await now();
    await networkHelpers.time.increase(3600);
    const tx = await registry.connect(alice).reveal(r, salt);
    await expect(tx)
      .to.emit(registry, "CommitmentRevealed")
      .withArgs(commitment, BigInt(r.contentHash), zeroHash, zeroAddress, committedAt, await now());
    expect((await registry.workOf(r.contentHash)).registeredAt).to.equal(committedAt);
  });

  it("builds roots and proofs the registry accepts for random batches", async () => {
    const { registry, alice, bob, carol } = await networkHelpers.loadFixture(deployRegistry);
    const creators = [alice, bob, carol];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: 2 }), bytes32, bytes32), { minLength: 1, maxLength: 40 }),
        fc.nat(),
        async (entries, pick) => {
          await networkHelpers.loadFixture(deployRegistry);
          const items = entries.map(([c, contentHash, salt]) => {
            const creator = creators[c];
            if (!creator) throw new Error("no creator");
            return { creator, contentHash, salt, leaf: batchLeafOf(creator.address as Address, contentHash, salt) };
          });
          const tree = buildMerkleTree(items.map((i) => i.leaf));
          const tx = await registry.anchorBatch(tree.root, items.length, "0x");
          const item = items[pick % items.length];
          if (!item) throw new Error("no item");
          const r = newWork(item.creator.address, { contentHash: item.contentHash });
          await registry
            .connect(item.creator)
            .revealFromBatch(r, item.salt, tx.from, tree.root, merkleProofOf(tree, item.leaf));
          expect(await registry.ownerOf(item.contentHash)).to.equal(item.creator.address);
        },
      ),
      { numRuns: 10 },
    );
  });
});
