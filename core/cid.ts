// Binary CIDv1 (sha2-256) to and from the strings IPFS prints, as the registry stores metadata pointers.
import { CID } from "multiformats/cid";
import { bytesToHex, type Hex, hexToBytes } from "viem";

/** multicodec code of `raw`: what `ipfs add --cid-version 1` gives a single-chunk file. */
export const RAW_CODEC = 0x55;
const SHA2_256 = 0x12;

/**
 * The binary form of a CIDv1 string, as the registry takes it. Only CIDv1 with a sha2-256 multihash is accepted, the
 * form the registry can store compactly; anything else throws {@link CidError}.
 *
 * @example cidToHex("bafkreih…") // "0x01551220…"
 */
export function cidToHex(cid: string): Hex {
  let parsed: CID;
  try {
    parsed = CID.parse(cid);
  } catch (cause) {
    throw new CidError(`not a CID: ${cid}`, { cause });
  }
  return bytesToHex(requireRegistrable(parsed, cid).bytes);
}

/** The CIDv1 string (base32, as IPFS prints it) of a binary CID read from the chain. */
export function cidFromHex(bytes: Hex): string {
  let parsed: CID;
  try {
    parsed = CID.decode(hexToBytes(bytes));
  } catch (cause) {
    throw new CidError(`not a binary CID: ${bytes}`, { cause });
  }
  return requireRegistrable(parsed, bytes).toString();
}

/** Largest multicodec code the registry stores: its varint must fit in four bytes. */
const MAX_CODEC = 2 ** 28 - 1;

/** The checks of the registry's `Cid.parse`: CIDv1, a non-zero codec of at most four varint bytes, sha2-256. */
function requireRegistrable(cid: CID, input: string): CID {
  if (cid.version !== 1) throw new CidError(`CIDv1 required, got CIDv${cid.version}: ${input}`);
  if (cid.multihash.code !== SHA2_256 || cid.multihash.digest.length !== 32) {
    throw new CidError(`sha2-256 multihash required: ${input}`);
  }
  if (cid.code === 0 || cid.code > MAX_CODEC) throw new CidError(`codec ${cid.code} is not storable: ${input}`);
  return cid;
}

/** Raised for a string or bytes that are not a CIDv1 with a sha2-256 multihash. */
export class CidError extends Error {
  override name = "CidError";
}
