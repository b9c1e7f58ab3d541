// Files on the command line: hashed as they stream, and errors that name the file and the problem.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Hex } from "viem";
import { CliError } from "./output.ts";

/** A work named on the command line: its id or sha256, or a file whose hash is its id (a file wins when one exists). */
export async function workOfTarget(target: string): Promise<string> {
  const isFile =
    !/^(0x[0-9a-fA-F]{64}|\d{1,78})$/.test(target) ||
    (await stat(target).then(
      () => true,
      () => false,
    ));
  return isFile ? (await hashFile(target)).sha256 : target;
}

/** The file's SHA-256 and size, read once as a stream; a missing or unreadable file is a CliError naming it. */
export async function hashFile(path: string): Promise<{ sha256: Hex; size: number }> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new CliError(`${path}: not a file`);
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    return { sha256: `0x${hash.digest("hex")}`, size: info.size };
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String(error);
    throw new CliError(`${path}: ${why}`);
  }
}
