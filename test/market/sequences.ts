// Shared machinery of the market's property tests: random command sequences whose every step predicts its outcome.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import fc from "fast-check";
import { FOREVER, Use } from "../../core/licence.ts";
import { deployMarket, type MarketFixture, networkHelpers, registerWork } from "./fixture.ts";

/*
 * Property tests of the licence ledger and the exchange: each run replays a random command sequence on a fresh
 * snapshot of the market fixture. Every command predicts its own outcome from the chain's state (success, or the exact
 * custom error), so a sequence never hides an unexpected revert; the invariant is checked after the sequence (or after
 * every step where it is cheap enough).
 */

export type Signer = HardhatEthersSigner;
export type Territory = [bigint, bigint, bigint];

export const USE_BITS = Object.values(Use);
export const WORLDWIDE: Territory = [0n, 0n, 0n];
export const FOREVER_N = BigInt(FOREVER);

/** The fixture's users who buy, sell and hold: every signer but the admin, the arbiter and the treasury. */
export function tradersOf(f: MarketFixture): Signer[] {
  return [f.artisan, f.coop, f.custodian, f.licensee, f.other, f.lender, f.buyer];
}

/** Every account that can be owed money: the traders, the treasury and the admin roles. */
export function accountsOf(f: MarketFixture): Signer[] {
  return [f.admin, f.arbiter, f.treasury, ...tradersOf(f)];
}

/** The `n`-th item, wrapping around; for indexes drawn before the list's length is known. */
export function pick<T>(items: readonly T[], n: number): T {
  const item = items[n % items.length];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

/** Like {pick}, but undefined for an empty list (the command is then a no-op). */
export function pickOptional<T>(items: readonly T[], n: number): T | undefined {
  return items.length === 0 ? undefined : items[n % items.length];
}

export function signerOf(signers: readonly Signer[], address: string): Signer {
  const signer = signers.find((s) => s.address === address);
  if (signer === undefined) throw new Error(`no signer for ${address}`);
  return signer;
}

export async function titleOf(f: MarketFixture, workId: bigint): Promise<{ owner: string; moves: bigint }> {
  const { owner, moves } = await f.registry.titleOf(workId);
  return { owner, moves };
}

export function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

export function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export function isWorldwide(territory: readonly bigint[]): boolean {
  return territory.every((word) => word === 0n);
}

/** The lowest bit of a bit set, as a one-bit argument of `permits`. */
export function lowestBit(bits: number): number {
  return bits & -bits;
}

/**
 * Half the time (`aim`), a command acts on an entity it can succeed on, drawn from `candidates` (a withdrawable
 * balance, an open bid...); otherwise, or when there is none, on the entity its own random fields name.
 */
export async function aimAt<T>(aim: boolean, n: number, candidates: () => Promise<T[]>, fallback: T): Promise<T> {
  if (!aim) return fallback;
  return pickOptional(await candidates(), n) ?? fallback;
}

/** Runs the handler of a tagged command. */
export type Handlers<C extends { t: string }, S> = { [K in C["t"]]: (s: S, c: Extract<C, { t: K }>) => Promise<void> };
export async function dispatch<C extends { t: string }, S>(handlers: Handlers<C, S>, s: S, c: C): Promise<void> {
  await (handlers[c.t as C["t"]] as (s: S, c: C) => Promise<void>)(s, c);
}

/**
 * Asserts `check` on random sequences of `minLength` to `maxLength` commands drawn from `command`, each replayed on a
 * fresh snapshot of `deploy`'s fixture.
 */
export async function assertSequences<C, F>(
  command: fc.Arbitrary<C>,
  [minLength, maxLength]: [number, number],
  deploy: () => Promise<F>,
  parameters: fc.Parameters<[C[]]>,
  check: (f: F, commands: C[]) => Promise<void>,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength, maxLength }), async (commands) =>
      check(await networkHelpers.loadFixture(deploy), commands),
    ),
    parameters,
  );
}

/** A market with one work, held by the artisan. */
export type Licensing = MarketFixture & { workId: bigint };

export async function deployLicensing(): Promise<Licensing> {
  const f = await deployMarket();
  return { ...f, workId: await registerWork(f.registry, f.artisan) };
}
