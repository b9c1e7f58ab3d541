// The exchange's transactions sent by the user's wallet, the approval a sale needs first, and failures in words.
// Loaded only when an action starts: it holds the ABIs and the contracts' error sentences.
import {
  type Address,
  BaseError,
  createPublicClient,
  type Hash,
  http,
  type TransactionReceipt,
  UserRejectedRequestError,
} from "viem";
import { exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi } from "../../../types/abi/index.js";
import type { Deployment } from "../account/deployment.ts";
import type { Signer } from "../account/signer.ts";
import { chainRpc, transact, WrongChain } from "../account/transact.ts";
import { describeRevert } from "../errors/contract.ts";
import type { Language } from "../i18n/language.ts";
import { NATIVE } from "./eth.ts";
import type { Intent } from "./intents.ts";

export { deployment } from "../account/deployment.ts";

/** Whether the exchange may not yet move `workId` for `owner` (neither approved for it nor for all its works). */
export async function approvalNeeded(d: Deployment, owner: Address, workId: string): Promise<boolean> {
  const node = createPublicClient({ transport: http(chainRpc()) });
  const [all, one] = await Promise.all([
    node.readContract({
      address: d.registry,
      abi: provenanceRegistryAbi,
      functionName: "isApprovedForAll",
      args: [owner, d.exchange],
    }),
    node.readContract({
      address: d.registry,
      abi: provenanceRegistryAbi,
      functionName: "getApproved",
      args: [BigInt(workId)],
    }),
  ]);
  return !all && one.toLowerCase() !== d.exchange.toLowerCase();
}

/**
 * Sends one step of `intent` from the wallet: the approval of this one work to the exchange, or the intent's own
 * call. Resolves with the receipt once mined; throws viem's error (a refusal names the contract's custom error).
 */
export function sendStep(
  step: "approve" | "main",
  intent: Intent,
  signer: Signer,
  d: Deployment,
  onSent: (hash: Hash) => void,
): Promise<TransactionReceipt> {
  const exchange = { address: d.exchange, abi: exchangeAbi } as const;
  if (step === "approve") {
    if (!("workId" in intent)) throw new Error("nothing to approve");
    const args = [d.exchange, BigInt(intent.workId)] as const;
    return transact(
      signer,
      d.chainId,
      { address: d.registry, abi: provenanceRegistryAbi, functionName: "approve", args },
      onSent,
    );
  }
  switch (intent.kind) {
    case "list":
      return transact(
        signer,
        d.chainId,
        { ...exchange, functionName: "listWork", args: [BigInt(intent.workId), NATIVE, intent.price, intent.expiry] },
        onSent,
      );
    case "cancel":
      return transact(
        signer,
        d.chainId,
        { ...exchange, functionName: "cancelListing", args: [BigInt(intent.workId)] },
        onSent,
      );
    case "buy":
      return transact(
        signer,
        d.chainId,
        {
          ...exchange,
          functionName: "buyWork",
          args: [BigInt(intent.workId), intent.currency as Address, intent.price, intent.encumbrances],
          value: intent.price,
        },
        onSent,
      );
    case "bid":
      return transact(
        signer,
        d.chainId,
        {
          ...exchange,
          functionName: "placeBid",
          args: [BigInt(intent.workId), NATIVE, intent.amount, intent.expiry],
          value: intent.amount,
        },
        onSent,
      );
    case "withdrawBid":
      return transact(
        signer,
        d.chainId,
        { ...exchange, functionName: "withdrawBid", args: [BigInt(intent.workId)] },
        onSent,
      );
    case "accept":
      return transact(
        signer,
        d.chainId,
        {
          ...exchange,
          functionName: "acceptBid",
          args: [BigInt(intent.workId), intent.bidder, intent.currency as Address, intent.amount],
        },
        onSent,
      );
    case "withdraw":
      return intent.source === "exchange"
        ? transact(
            signer,
            d.chainId,
            { ...exchange, functionName: "withdraw", args: [intent.currency as Address] },
            onSent,
          )
        : transact(
            signer,
            d.chainId,
            { address: d.ledger, abi: licenceLedgerAbi, functionName: "withdraw", args: [intent.currency as Address] },
            onSent,
          );
  }
}

/** Why a transaction did not go through, for the reader: declined, another chain, a contract's refusal, or else. */
export type Failure =
  | { kind: "declined" }
  | { kind: "wrongChain"; expected: number; actual: number }
  | { kind: "refused"; sentence: string }
  | { kind: "other"; detail: string };

export function failureOf(error: unknown, language: Language): Failure {
  if (error instanceof WrongChain) return { kind: "wrongChain", expected: error.expected, actual: error.actual };
  const declined =
    (error instanceof BaseError && error.walk((e) => e instanceof UserRejectedRequestError) !== null) ||
    (error as { code?: unknown } | null)?.code === 4001;
  if (declined) return { kind: "declined" };
  const sentence = describeRevert(error, language);
  if (sentence !== null) return { kind: "refused", sentence };
  const text = error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  return { kind: "other", detail: text.split("\n")[0] ?? "" };
}
