// The creator's key on this machine: from a file the user names, or one made on first use and kept for them.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { Hex, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { CliError } from "./output.ts";

/** The key file: `--key-file`, else TITLECHAIN_KEY_FILE, else ~/.config/titlechain/key (made if missing). */
export async function loadKey(flag: string | undefined): Promise<LocalAccount> {
  const given = flag ?? process.env["TITLECHAIN_KEY_FILE"];
  const file = given ?? join(homedir(), ".config", "titlechain", "key");
  const text = await readFile(file, "utf8").catch(() => null);
  if (text === null) {
    if (given) throw new CliError(`${file}: no such key file`);
    const key = generatePrivateKey();
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: "wx" });
    const account = privateKeyToAccount(key);
    process.stderr.write(
      `titlechain: made a new key for ${account.address} in ${file}. Whoever holds it owns your registrations: ` +
        "keep a copy somewhere safe.\n",
    );
    return account;
  }
  const key = text.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new CliError(`${file}: not a private key (0x and 64 hex digits)`);
  return privateKeyToAccount(key as Hex);
}
