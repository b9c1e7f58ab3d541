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
  if (parsed.version !== 1) throw new CidError(`CIDv1 required, got CIDv${parsed.version}: ${cid}`);
  if (parsed.multihash.code !== SHA2_256) throw new CidError(`sha2-256 multihash required: ${cid}`);
  return bytesToHex(parsed.bytes);
}

/** The CIDv1 string (base32, as IPFS prints it) of a binary CID read from the chain. */
export function cidFromHex(bytes: Hex): string {
  try {
    return CID.decode(hexToBytes(bytes)).toString();
  } catch (cause) {
    throw new CidError(`not a binary CID: ${bytes}`, { cause });
  }
}

/** Raised for a string or bytes that are not a CIDv1 with a sha2-256 multihash. */
export class CidError extends Error {
  override name = "CidError";
}
