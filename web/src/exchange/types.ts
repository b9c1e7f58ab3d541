// The exchange's data as the API's OpenAPI document types it: a work's bids, an account's balances.
import type { paths } from "../../../client/index.ts";

type Json<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { "application/json": infer T } } } };
}
  ? T
  : never;

export type Bid = Json<"/api/works/{workId}/bids">["bids"][number];
export type Balance = Json<"/api/accounts/{account}/balances">["balances"][number];
