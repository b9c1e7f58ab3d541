// The built-in account: a key made in this browser and kept in its storage only as a passphrase-encrypted keystore.
import type { Hex } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { decryptKeystore, encryptKeystore, type Keystore } from "../../../core/keystore.ts";

const STORAGE_KEY = "titlechain.keystore";

/** The keystore this browser keeps, or null when it has none (or what it has is not one). */
export function storedKeystore(): Keystore | null {
  const text = localStorage.getItem(STORAGE_KEY);
  if (text === null) return null;
  try {
    const parsed = JSON.parse(text) as Keystore;
    return parsed.version === 3 && typeof parsed.address === "string" ? parsed : null;
  } catch {
    return null;
  }
}

/** The account's address as 0x-hex, from the keystore (no passphrase needed). */
export const addressOf = (keystore: Keystore) => `0x${keystore.address}` as Hex;

/** Makes a key in this browser and keeps it encrypted under `passphrase`; returns the key for this visit. */
export async function createLocalAccount(passphrase: string): Promise<{ keystore: Keystore; privateKey: Hex }> {
  const privateKey = generatePrivateKey();
  const keystore = await encryptKeystore(privateKey, passphrase);
  localStorage.setItem(STORAGE_KEY, JSON.stringify(keystore));
  return { keystore, privateKey };
}

/** The key of the kept keystore (throws KeystoreError on a wrong passphrase). */
export async function unlockLocalAccount(keystore: Keystore, passphrase: string): Promise<Hex> {
  return decryptKeystore(keystore, passphrase);
}

/**
 * Takes a keystore file (exported from here, or from a wallet) as this browser's account once its passphrase opens
 * it: nothing is kept if the file is not JSON or the passphrase is wrong.
 */
export async function importKeystore(
  text: string,
  passphrase: string,
): Promise<{ keystore: Keystore; privateKey: Hex }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SyntaxError("not JSON");
  }
  const privateKey = await decryptKeystore(parsed, passphrase);
  const keystore = parsed as Keystore;
  localStorage.setItem(STORAGE_KEY, JSON.stringify(keystore));
  return { keystore, privateKey };
}

/** Forgets the kept keystore (the user has exported it, or means to lose it). */
export function forgetLocalAccount(): void {
  localStorage.removeItem(STORAGE_KEY);
}

/** A file name for the exported keystore, in the form wallets use (UTC--time--address). */
export function keystoreFileName(keystore: Keystore): string {
  return `UTC--${new Date().toISOString().replace(/:/g, "-")}--${keystore.address}.json`;
}
