// This browser's record of its private commitments: each salt is the only way to reveal its file, so it is kept and exportable.
import type { Hex } from "viem";
import type { RelayStatus } from "./relay.ts";

const STORAGE_KEY = "titlechain.commitments";

export type Commitment = {
  creator: Hex;
  sha256: Hex;
  /** The secret that hides the file: without it the commitment can never be revealed. */
  salt: Hex;
  fileName: string;
  size: number;
  /** The relay request that commits it, then its batch once anchored. */
  requestId: string;
  committedAt: string;
  batch?: NonNullable<RelayStatus["batch"]>;
  transactionHash?: string;
  /** Committed by the user's wallet (a commitment of its own, not in the relay's batch): revealed by it too. */
  paidByWallet?: boolean;
  /** Set once revealed: the reveal's relay request. */
  revealId?: string;
};

export function storedCommitments(): Commitment[] {
  try {
    const list = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "[]") as unknown;
    return Array.isArray(list) ? (list as Commitment[]).filter((c) => typeof c?.salt === "string") : [];
  } catch {
    return [];
  }
}

/** Adds or updates the commitment of one creator's file (the salt is written before the request leaves). */
export function keepCommitment(commitment: Commitment): void {
  const others = storedCommitments().filter(
    (c) => !(c.creator === commitment.creator && c.sha256 === commitment.sha256),
  );
  localStorage.setItem(STORAGE_KEY, JSON.stringify([...others, commitment]));
}

/** The commitments of `creator` not yet revealed, oldest first. */
export function pendingCommitments(creator: Hex): Commitment[] {
  return storedCommitments()
    .filter((c) => c.creator.toLowerCase() === creator.toLowerCase() && c.revealId === undefined)
    .sort((a, b) => a.committedAt.localeCompare(b.committedAt));
}

/** A commitment as a JSON file the creator keeps: with it (and the file) they can reveal from any device. */
export function commitmentReceipt(commitment: Commitment): Blob {
  return new Blob([JSON.stringify({ titlechainCommitment: 1, ...commitment }, null, 2)], { type: "application/json" });
}
