// The CLI's connection to a Titlechain server: the typed client, and an answer or a one-line error.
import { type TitlechainClient, titlechainClient } from "../client/index.ts";
import { CliError, EXIT } from "./output.ts";

/** The server the CLI talks to: `--server`, else TITLECHAIN_SERVER, else the local default. */
export function serverUrl(flag: string | undefined): string {
  const url = flag ?? process.env["TITLECHAIN_SERVER"] ?? "http://127.0.0.1:8080";
  try {
    return new URL(url).origin;
  } catch {
    throw new CliError(`--server: "${url}" is not a URL`, EXIT.usage);
  }
}

export function clientOf(url: string): TitlechainClient {
  // A refused connection is the server's absence, said plainly.
  return titlechainClient(url, {
    fetch: async (input) => {
      try {
        return await fetch(input);
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        throw new CliError(
          `${url}: ${cause === "ECONNREFUSED" ? "no Titlechain server answers (is it started?)" : String(error)}`,
        );
      }
    },
  });
}

/** The data of a typed call, or a CliError with the server's problem (its detail and field). */
export function answer<T>(result: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (result.data !== undefined && result.response.ok) return result.data;
  const problem = result.error as { detail?: string; title?: string; field?: string } | undefined;
  const detail = problem?.detail ?? problem?.title ?? `HTTP ${result.response.status}`;
  const status = result.response.status;
  const code = status === 404 ? EXIT.no : status < 500 ? EXIT.usage : EXIT.failed;
  throw new CliError(`${what}: ${detail}${problem?.field ? ` (${problem.field})` : ""}`, code);
}
