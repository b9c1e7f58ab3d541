// A payment's life as the user sees it: confirming in the wallet, sent, mined, then shown by the server's mirror.
import type { Hash } from "viem";
import type { Language } from "../i18n/language.ts";

export type TxPhase =
  | { state: "idle" }
  | { state: "confirming" }
  | { state: "sent"; hash: Hash }
  | { state: "mined"; hash: Hash }
  | { state: "indexed"; hash: Hash }
  | { state: "failed"; message: string };

/** The failure's sentence: the contract's refusal in words when there is one, else the error's own message. */
export async function failureSentence(error: unknown, language: Language): Promise<string> {
  const { describeRevert } = await import("../errors/contract.ts");
  return (
    describeRevert(error, language) ?? (error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error))
  );
}

/** Asks `check` every half second until it holds, at most `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}
