// A registration as the registry takes it, and the work id of a file.
import type { Address, Hex } from "viem";

/**
 * A registration request, field for field the `IProvenanceRegistry.Registration` struct. `metadataCid` is the binary
 * CIDv1 of the work's metadata JSON (see {@link cidToHex}); `parents` are work ids of the works this one derives from.
 */
export type Registration = {
  to: Address;
  contentHash: Hex;
  metadataCid: Hex;
  royaltyReceiver: Address;
  royaltyBps: number;
  parents: bigint[];
};

/**
 * The work id of a file: its sha256 read as a big-endian number. The registry mints the provenance token of a work
 * under this id, so anyone can find the record of a file from the file alone.
 *
 * @example workIdOf("0x9f86…0a08") // 72155…n
 */
export function workIdOf(contentHash: Hex): bigint {
  return BigInt(contentHash);
}
