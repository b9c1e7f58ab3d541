// Private commitments and batch leaves, computed exactly as the registry computes them.
import { type Address, encodeAbiParameters, type Hex, keccak256 } from "viem";

const commitmentParameters = [{ type: "address" }, { type: "bytes32" }, { type: "bytes32" }] as const;

/**
 * The private commitment to a work: `keccak256(abi.encode(creator, contentHash, salt))`. It reveals nothing about the
 * work while the salt stays secret, and binds the creator, so only that creator can later reveal it.
 */
export function commitmentOf(creator: Address, contentHash: Hex, salt: Hex): Hex {
  return keccak256(encodeAbiParameters(commitmentParameters, [creator, contentHash, salt]));
}

/**
 * The Merkle leaf of a commitment in a batch: `keccak256(commitment)`, which is exactly the leaf OpenZeppelin's
 * `StandardMerkleTree.of(values, ["address", "bytes32", "bytes32"])` gives the tuple `(creator, contentHash, salt)`.
 */
export function batchLeafOf(creator: Address, contentHash: Hex, salt: Hex): Hex {
  return keccak256(commitmentOf(creator, contentHash, salt));
}
