// Default licence terms for tests, shared by the contract and indexer tests (no network).
import { type Hex, zeroAddress } from "viem";
import { ALL_FIELDS, LicenceKind, type LicenceTerms, territoryOf, usesOf } from "../../core/licence.ts";

export const DAY = 86_400;
export const YEAR = 365 * DAY;

/**
 * Licence terms with overrides, for the contract tests and the indexer's tests alike (a pure module: it loads no
 * network). The default is a non-exclusive, non-transferable licence to reproduce, distribute, display and use
 * commercially in China, every field, for a year from purchase, unlimited supply, paid in the native coin; the legal
 * text's hash and CID are the caller's, new for each offer.
 */
export function licenceTermsWith(text: { textHash: Hex; textCid: Hex }, overrides: Partial<LicenceTerms> = {}) {
  return {
    kind: LicenceKind.NonExclusive,
    uses: usesOf(["reproduce", "distribute", "display", "commercial"]),
    fields: ALL_FIELDS,
    transferable: false,
    worldwide: false,
    territory: territoryOf(["CN"]),
    start: 0,
    end: 0,
    duration: YEAR,
    supply: 0,
    derivativeRoyaltyBps: 0,
    currency: zeroAddress,
    ...text,
    ...overrides,
  } satisfies LicenceTerms;
}
