// The first-to-file rule as the registry applies it: when a registration is final, and whether a commitment can claim it.
import { type Address, isAddressEqual } from "viem";

/** How much older than a registration's time a commitment must be to take its title (the registry's PRIORITY_MARGIN). */
export const PRIORITY_MARGIN = 86_400n;

/** How long after the block that recorded a registration a claim may come (the registry's PRIORITY_CLAIM_PERIOD). */
export const PRIORITY_CLAIM_PERIOD = 30n * 86_400n;

const DAY = 86_400n;
const MAX_REVEAL_DAYS = 65_535n;

/** A registration as `workOf` reports it: its creator, its priority time and when it was recorded. */
export type RecordedRegistration = { creator: Address; registeredAt: bigint; recordedAt: bigint };

/**
 * The time the registry records for a registration made at `registeredAt` (a commitment's time for a reveal) by a block
 * at `blockTime`: the priority time plus the whole days between them, rounded up (zero for a direct registration).
 */
export function recordedAtOf(registeredAt: bigint, blockTime: bigint): bigint {
  const days = (blockTime - registeredAt + DAY - 1n) / DAY;
  return registeredAt + (days > MAX_REVEAL_DAYS ? MAX_REVEAL_DAYS : days) * DAY;
}

/** When a registration becomes final against priority claims: `PRIORITY_CLAIM_PERIOD` after it was recorded. */
export function finalAt(registration: Pick<RecordedRegistration, "recordedAt">): bigint {
  return registration.recordedAt + PRIORITY_CLAIM_PERIOD;
}

/** Why a commitment cannot take a registration's title; each reason is the registry's refusal. */
export type PriorityRefusal = "WorkAlreadyRegistered" | "NoPriority" | "PriorityClaimClosed";

/** Whether a commitment would take the title of `registration` by a reveal at `time`, and if not, why. */
export type PriorityVerdict = { ok: true } | { ok: false; reason: PriorityRefusal; message: string };

/**
 * Predicts the registry's answer to a reveal, at `time`, of `creator`'s commitment made at `committedAt`, when the same
 * file is already registered as `registration`. The rule: another creator's registration, a commitment at least
 * `PRIORITY_MARGIN` older than its priority time, and a reveal before it is final.
 *
 * @example
 * const verdict = priorityOf(alice, committedAt, await workOf(id), now);
 * if (verdict.ok) await registry.write.reveal([registration, salt]);
 */
export function priorityOf(
  creator: Address,
  committedAt: bigint,
  registration: RecordedRegistration,
  time: bigint,
): PriorityVerdict {
  if (isAddressEqual(creator, registration.creator)) {
    return {
      ok: false,
      reason: "WorkAlreadyRegistered",
      message: `the file is already registered by ${registration.creator}, the same creator: a creator's own registration is never displaced`,
    };
  }
  if (committedAt + PRIORITY_MARGIN > registration.registeredAt) {
    return {
      ok: false,
      reason: "NoPriority",
      message: `the commitment of ${committedAt} is not ${PRIORITY_MARGIN} s older than the registration of ${registration.registeredAt}`,
    };
  }
  const closes = finalAt(registration);
  if (time >= closes) {
    return {
      ok: false,
      reason: "PriorityClaimClosed",
      message: `the registration became final at ${closes}, before ${time}`,
    };
  }
  return { ok: true };
}
