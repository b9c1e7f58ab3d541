// Merkle trees and proofs of batch commitments, with the registry's sorted-pair hashing.
import { concat, type Hex, hexToBigInt, keccak256 } from "viem";

/** A Merkle tree over batch leaves in OpenZeppelin's `StandardMerkleTree` layout (same root for the same leaves). */
export type MerkleTree = {
  /** Root to anchor with `anchorBatch`. */
  readonly root: Hex;
  /** Nodes in OpenZeppelin's array layout: `nodes[0]` is the root, children of `i` are `2i + 1` and `2i + 2`. */
  readonly nodes: readonly Hex[];
  /** For each leaf, in sorted order, its position in `nodes`. */
  readonly leaves: readonly { leaf: Hex; node: number }[];
};

/** Hash of two nodes, ordered first so that proofs need no direction bits (OpenZeppelin's commutative keccak). */
export function hashPair(a: Hex, b: Hex): Hex {
  return hexToBigInt(a) < hexToBigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/**
 * Builds the tree of `leaves` (already hashed leaves, for example from `batchLeafOf`). Leaves are sorted, and placed as
 * OpenZeppelin's `StandardMerkleTree` places them, so the root equals the one its tooling computes.
 *
 * @example
 * const tree = buildMerkleTree(items.map((i) => batchLeafOf(i.creator, i.contentHash, i.salt)));
 * await registry.anchorBatch(tree.root, items.length, "0x");
 */
export function buildMerkleTree(leaves: readonly Hex[]): MerkleTree {
  if (leaves.length === 0) throw new MerkleError("a Merkle tree needs at least one leaf");
  const sorted = [...leaves].sort((a, b) => compareHex(a, b));
  const size = 2 * sorted.length - 1;
  const nodes = new Array<Hex>(size);
  sorted.forEach((leaf, i) => {
    nodes[size - 1 - i] = leaf;
  });
  for (let i = size - 1 - sorted.length; i >= 0; i--) {
    nodes[i] = hashPair(nodeAt(nodes, 2 * i + 1), nodeAt(nodes, 2 * i + 2));
  }
  return {
    root: nodeAt(nodes, 0),
    nodes,
    leaves: sorted.map((leaf, i) => ({ leaf, node: size - 1 - i })),
  };
}

/**
 * The proof of `leaf` in `tree`, for `revealFromBatch` or {@link processMerkleProof}.
 * Throws {@link MerkleError} if the leaf is not in the tree.
 */
export function merkleProofOf(tree: MerkleTree, leaf: Hex): Hex[] {
  const entry = tree.leaves.find((l) => l.leaf.toLowerCase() === leaf.toLowerCase());
  if (!entry) throw new MerkleError(`leaf ${leaf} is not in the tree`);
  const proof: Hex[] = [];
  for (let i = entry.node; i > 0; i = Math.floor((i - 1) / 2)) {
    proof.push(nodeAt(tree.nodes, i % 2 === 0 ? i - 1 : i + 1));
  }
  return proof;
}

/** The root a proof leads to from `leaf`, as `MerkleProof.processProof` computes it on chain. */
export function processMerkleProof(leaf: Hex, proof: readonly Hex[]): Hex {
  return proof.reduce<Hex>((node, sibling) => hashPair(node, sibling), leaf);
}

/** Raised for an empty tree or a leaf that is not in it. */
export class MerkleError extends Error {
  override name = "MerkleError";
}

function nodeAt(nodes: readonly Hex[], i: number): Hex {
  const node = nodes[i];
  if (node === undefined) throw new MerkleError(`no node at ${i}`);
  return node;
}

function compareHex(a: Hex, b: Hex): number {
  const x = hexToBigInt(a);
  const y = hexToBigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
