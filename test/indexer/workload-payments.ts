/**
 * The random market workload's money operations, on the ledger and the exchange alike: platform fees, the token's
 * place on the allow-list, withdrawals and withdrawals pushed for others. A helper module: it registers no tests.
 */
import type { Hex } from "viem";
import {
  ACCOUNTS,
  allows,
  type Ctx,
  chance,
  findOne,
  int,
  type Outcome,
  owed,
  pick,
  send,
  ZERO,
} from "./workload-context.ts";

const payingContract = (c: Ctx): "ledger" | "exchange" => (chance(c, 0.5) ? "ledger" : "exchange");

export async function platformFee(c: Ctx): Promise<Outcome> {
  const target = payingContract(c);
  const off = chance(c, 0.15);
  const treasury = off ? ZERO : pick(c, c.accounts);
  const fee = off ? 0 : int(c, 0, 1000);
  return send(c, `setPlatformFee (${target})`, c.admin, target, "setPlatformFee", [treasury, fee]);
}

/**
 * The admin takes the token off one contract's allow-list, or puts it back: while it is off, nothing new is bought,
 * renewed, listed or bid in it there (balances stay withdrawable).
 */
export async function allowCurrency(c: Ctx): Promise<Outcome> {
  const target = payingContract(c);
  const allowed = await allows(c, target, c.token);
  const op = `${allowed ? "disallowCurrency" : "allowCurrency"} (${target})`;
  return send(c, op, c.admin, target, "allowCurrency", [c.token, !allowed]);
}

/** An account owed something by `target` in `currency`, found among the workload's accounts. */
async function creditor(c: Ctx, target: "ledger" | "exchange", currency: Hex): Promise<Hex | null> {
  return findOne(c, c.accounts, async (a) => ((await owed(c, target, a, currency)) > 0n ? a : null), ACCOUNTS);
}

export async function withdraw(c: Ctx): Promise<Outcome> {
  const target = payingContract(c);
  const currency = chance(c, 0.3) ? c.token : ZERO;
  const account = await creditor(c, target, currency);
  if (!account) return "none";
  const op = `withdraw (${target}${currency !== ZERO ? ", token" : ""})`;
  return send(c, op, account, target, "withdraw", [currency]);
}

/** Anyone pushes what an account is owed to it (`withdrawFor`): the Withdrawn event names the caller as `by`. */
export async function withdrawFor(c: Ctx): Promise<Outcome> {
  const target = payingContract(c);
  const currency = chance(c, 0.3) ? c.token : ZERO;
  const account = await creditor(c, target, currency);
  if (!account) return "none";
  const op = `withdrawFor (${target}${currency !== ZERO ? ", token" : ""})`;
  return send(c, op, pick(c, c.actors), target, "withdrawFor", [account, currency]);
}
