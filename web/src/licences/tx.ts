// A payment's life as the user sees it: confirming in the wallet, sent, mined, then shown by the server's mirror.
import { useState } from "react";
import type { Abi, ContractFunctionName, Hash, TransactionReceipt } from "viem";
import { type Deployment, deployment } from "../account/deployment.ts";
import type { Signer } from "../account/signer.ts";
import { type Call, transact } from "../account/transact.ts";
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

/**
 * One wallet transaction at a time and its phase: `run` sends the call the deployment makes, then waits until
 * `shown(receipt)` holds (the mirror has the change); a failure becomes its sentence in `language`.
 */
export function useWalletTx(language: Language) {
  const [phase, setPhase] = useState<TxPhase>({ state: "idle" });
  const run = async <A extends Abi, F extends ContractFunctionName<A, "payable" | "nonpayable">>(
    payer: Signer,
    call: (d: Deployment) => Call<A, F>,
    shown: (receipt: TransactionReceipt) => Promise<boolean>,
  ): Promise<boolean> => {
    setPhase({ state: "confirming" });
    try {
      const d = await deployment();
      const receipt = await transact(payer, d.chainId, call(d), (hash) => setPhase({ state: "sent", hash }));
      setPhase({ state: "mined", hash: receipt.transactionHash });
      if (!(await until(() => shown(receipt)))) return false;
      setPhase({ state: "indexed", hash: receipt.transactionHash });
      return true;
    } catch (error) {
      setPhase({ state: "failed", message: await failureSentence(error, language) });
      return false;
    }
  };
  const busy = phase.state === "confirming" || phase.state === "sent" || phase.state === "mined";
  return { phase, run, busy };
}
