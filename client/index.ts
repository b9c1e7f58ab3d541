// The typed client of the Titlechain API, built on the types generated from its OpenAPI document (CLI, web, scripts).
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "../types/api/schema.d.ts";

export type TitlechainClient = Client<paths>;
export type { components, paths };

/**
 * A client of the API at `baseUrl` (the server's origin, e.g. `http://127.0.0.1:8080`): every path, parameter and
 * answer is typed from the OpenAPI document, so a call that does not match the API does not compile.
 */
export function titlechainClient(baseUrl: string, options: { fetch?: typeof fetch } = {}): TitlechainClient {
  return createClient<paths>({ baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
}
