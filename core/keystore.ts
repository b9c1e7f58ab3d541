// A private key kept under a passphrase as a Web3 Secret Storage (keystore v3) file, readable by common wallets.
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { bytesToHex, concatBytes, type Hex, hexToBytes, keccak256 } from "viem";
import { privateKeyToAddress } from "viem/accounts";

/** PBKDF2-HMAC-SHA256 rounds of a new keystore: OWASP's 2023 figure for that function (about half a second here). */
export const KEYSTORE_ITERATIONS = 600_000;

/** The most memory a keystore's scrypt parameters may ask for (128 × n × r bytes): geth's standard needs 256 MiB. */
const MAX_SCRYPT_BYTES = 256 * 1024 * 1024;
/** The most PBKDF2 rounds accepted: a file cannot make this page hash for minutes. */
const MAX_ITERATIONS = 10_000_000;

type Kdf =
  | { kdf: "pbkdf2"; kdfparams: { c: number; dklen: 32; prf: "hmac-sha256"; salt: string } }
  | { kdf: "scrypt"; kdfparams: { n: number; r: number; p: number; dklen: 32; salt: string } };

/** A keystore v3 document (https://ethereum.org/developers/docs/data-structures-and-encoding/web3-secret-storage). */
export type Keystore = {
  version: 3;
  id: string;
  /** The account, 40 lowercase hex digits without 0x, as wallets write it. */
  address: string;
  crypto: { cipher: "aes-128-ctr"; cipherparams: { iv: string }; ciphertext: string; mac: string } & Kdf;
};

/** Why a keystore could not be opened: the passphrase, or the file itself (`field` names what is wrong in it). */
export class KeystoreError extends Error {
  readonly code: "WrongPassphrase" | "Invalid" | "Unsupported";
  constructor(code: KeystoreError["code"], message: string) {
    super(message);
    this.name = "KeystoreError";
    this.code = code;
  }
}

const subtle = () => globalThis.crypto.subtle;
const unhex = (text: string) => hexToBytes(`0x${text.replace(/^0x/, "")}` as Hex);
const hex = (bytes: Uint8Array) => bytesToHex(bytes).slice(2);
const encoder = new TextEncoder();

async function pbkdf2(passphrase: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await subtle().importKey("raw", encoder.encode(passphrase.normalize("NFKC")), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await subtle().deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as Uint8Array<ArrayBuffer>, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

/** AES-128-CTR both ways (the counter is the whole 16-byte IV, as keystores use it). */
async function aesCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey("raw", key as Uint8Array<ArrayBuffer>, "AES-CTR", false, ["encrypt"]);
  return new Uint8Array(
    await subtle().encrypt(
      { name: "AES-CTR", counter: iv as Uint8Array<ArrayBuffer>, length: 128 },
      k,
      data as Uint8Array<ArrayBuffer>,
    ),
  );
}

const macOf = (derived: Uint8Array, ciphertext: Uint8Array) =>
  keccak256(concatBytes([derived.slice(16, 32), ciphertext]));

/** The version-4 UUID a keystore carries as its id. */
function uuid(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * Encrypts `privateKey` under `passphrase` (PBKDF2-HMAC-SHA256 with a random 32-byte salt, AES-128-CTR with a random
 * IV, and the keccak MAC every keystore reader checks).
 */
export async function encryptKeystore(
  privateKey: Hex,
  passphrase: string,
  iterations: number = KEYSTORE_ITERATIONS,
): Promise<Keystore> {
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(16));
  const derived = await pbkdf2(passphrase, salt, iterations);
  const ciphertext = await aesCtr(derived.slice(0, 16), iv, hexToBytes(privateKey));
  return {
    version: 3,
    id: uuid(),
    address: privateKeyToAddress(privateKey).slice(2).toLowerCase(),
    crypto: {
      cipher: "aes-128-ctr",
      cipherparams: { iv: hex(iv) },
      ciphertext: hex(ciphertext),
      kdf: "pbkdf2",
      kdfparams: { c: iterations, dklen: 32, prf: "hmac-sha256", salt: hex(salt) },
      mac: hex(hexToBytes(macOf(derived, ciphertext))),
    },
  };
}

const isHexText = (value: unknown, bytes?: number): value is string =>
  typeof value === "string" &&
  /^(0x)?([0-9a-fA-F]{2})+$/.test(value) &&
  (bytes === undefined || value.replace(/^0x/, "").length === bytes * 2);

const invalid = (what: string) => new KeystoreError("Invalid", `not a keystore: ${what}`);
const positive = (value: unknown, max: number, what: string): number => {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > max) throw invalid(what);
  return value;
};

/** The key the document's KDF derives from `passphrase`, within limits a hostile file cannot exceed. */
async function derive(c: Record<string, unknown>, passphrase: string): Promise<Uint8Array> {
  const params = (c["kdfparams"] ?? {}) as Record<string, unknown>;
  if (!isHexText(params["salt"])) throw invalid("crypto.kdfparams.salt is not hex");
  if (params["dklen"] !== 32) throw new KeystoreError("Unsupported", "crypto.kdfparams.dklen must be 32");
  const salt = unhex(params["salt"]);
  if (c["kdf"] === "pbkdf2") {
    if (params["prf"] !== "hmac-sha256")
      throw new KeystoreError("Unsupported", "crypto.kdfparams.prf: only hmac-sha256");
    return pbkdf2(passphrase, salt, positive(params["c"], MAX_ITERATIONS, "crypto.kdfparams.c"));
  }
  if (c["kdf"] === "scrypt") {
    const n = positive(params["n"], 2 ** 24, "crypto.kdfparams.n");
    const r = positive(params["r"], 64, "crypto.kdfparams.r");
    const p = positive(params["p"], 64, "crypto.kdfparams.p");
    if ((n & (n - 1)) !== 0) throw invalid("crypto.kdfparams.n is not a power of two");
    if (128 * n * r > MAX_SCRYPT_BYTES) throw new KeystoreError("Unsupported", "crypto.kdfparams need too much memory");
    return scryptAsync(encoder.encode(passphrase.normalize("NFKC")), salt, {
      N: n,
      r,
      p,
      dkLen: 32,
      maxmem: MAX_SCRYPT_BYTES + 1024 * 1024,
    });
  }
  throw new KeystoreError("Unsupported", `crypto.kdf: ${String(c["kdf"])} (pbkdf2 and scrypt are read)`);
}

/**
 * The private key of a keystore v3 document (from this page or from a wallet such as geth or MetaMask): checks the
 * MAC before decrypting, so a wrong passphrase is told apart from a damaged file.
 */
export async function decryptKeystore(document: unknown, passphrase: string): Promise<Hex> {
  if (typeof document !== "object" || document === null) throw invalid("not a JSON object");
  const d = document as Record<string, unknown>;
  if (d["version"] !== 3) throw new KeystoreError("Unsupported", `version ${String(d["version"])} (3 is read)`);
  const c = (d["crypto"] ?? d["Crypto"]) as Record<string, unknown> | undefined;
  if (typeof c !== "object" || c === null) throw invalid("no crypto section");
  if (c["cipher"] !== "aes-128-ctr") throw new KeystoreError("Unsupported", "crypto.cipher: only aes-128-ctr");
  const iv = (c["cipherparams"] as Record<string, unknown> | undefined)?.["iv"];
  if (!isHexText(iv, 16)) throw invalid("crypto.cipherparams.iv is not 16 bytes of hex");
  if (!isHexText(c["ciphertext"], 32)) throw invalid("crypto.ciphertext is not 32 bytes of hex");
  if (!isHexText(c["mac"], 32)) throw invalid("crypto.mac is not 32 bytes of hex");
  const ciphertext = unhex(c["ciphertext"]);
  const derived = await derive(c, passphrase);
  if (macOf(derived, ciphertext).slice(2) !== c["mac"].replace(/^0x/, "").toLowerCase()) {
    throw new KeystoreError("WrongPassphrase", "the passphrase does not open this keystore");
  }
  const privateKey = bytesToHex(await aesCtr(derived.slice(0, 16), unhex(iv), ciphertext));
  const address = d["address"];
  if (typeof address === "string" && address !== "") {
    const expected = privateKeyToAddress(privateKey).slice(2).toLowerCase();
    if (address.replace(/^0x/, "").toLowerCase() !== expected) throw invalid("its address is not its key's");
  }
  return privateKey;
}
