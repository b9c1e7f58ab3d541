// The chain and contracts the server works with, asked once per visit: every signature and transaction names them.
import type { Address } from "viem";
import { api, call } from "../api/client.ts";
import type { Problem } from "../api/problem.ts";

export type Deployment = { chainId: number; registry: Address; ledger: Address; exchange: Address };

let asked: Promise<Deployment> | null = null;

/** The deployment, or a rejection carrying the API's problem (asked again next time after a failure). */
export function deployment(): Promise<Deployment> {
  asked ??= call(api.GET("/api/deployment")).then((r) => {
    if (r.problem) {
      asked = null;
      throw Object.assign(new Error(r.problem.detail || r.problem.code), { problem: r.problem as Problem });
    }
    const d = r.data;
    return {
      chainId: d.chainId,
      registry: d.registry as Address,
      ledger: d.ledger as Address,
      exchange: d.exchange as Address,
    };
  });
  return asked;
}
