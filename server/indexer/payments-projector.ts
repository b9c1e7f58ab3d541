/** How the money events of the ledger and the exchange (their Payments base) change the mirror: currencies, fees, withdrawals. */
import type { Source } from "./decode.ts";
import { balanceKey, type Projectors } from "./projector.ts";
import { things } from "./schema.ts";

/** The projectors of the Payments events of the ledger's or the exchange's (their rows are keyed by the contract). */
export function paymentsProjectors(source: Extract<Source, "ledger" | "exchange">): Projectors {
  return {
    // Currencies and fee settings are small tables, loaded whole: no keys.
    CurrencyAllowed: {
      keys: () => [],
      apply(e, page) {
        page.set(things.currencies, {
          chain_id: page.chain,
          contract: e.contract,
          currency_id: Number(e.args["id"]),
          token: e.args["token"],
          allowed: e.args["allowed"],
          source,
        });
      },
    },
    PlatformFeeChanged: {
      keys: () => [],
      apply(e, page) {
        page.set(things.settings, {
          chain_id: page.chain,
          contract: e.contract,
          treasury: e.args["treasury"],
          fee_bps: Number(e.args["feeBps"]),
        });
      },
    },
    // `by` is whoever called: the account itself, or anyone pushing its balance to it (`withdrawFor`).
    Withdrawn: {
      keys: (e, k) => [balanceKey(k, e.contract, e.args["account"], e.args["currency"])],
      apply(e, page) {
        const a = e.args;
        page.credit(e, 0, String(a["account"]), String(a["currency"]), -(a["amount"] as bigint), "withdrawal", {
          withdrawn_by: a["by"],
        });
      },
    },
  };
}
