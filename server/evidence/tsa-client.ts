// Asks RFC 3161 timestamp authorities for tokens over a manifest: each configured authority, with a time limit.
import {
  readTimestampResponse,
  type Timestamp,
  TimestampError,
  timestampRequest,
} from "../../core/evidence/timestamp.ts";

/** A token from every authority in `urls` (in order); throws {@link TimestampError} naming the first that failed. */
export async function requestTimestamps(
  urls: readonly string[],
  data: Uint8Array,
  timeoutMs = 10_000,
): Promise<Timestamp[]> {
  return Promise.all(
    urls.map(async (url) => {
      const { der, nonce } = await timestampRequest(data);
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/timestamp-query", accept: "application/timestamp-reply" },
          body: der,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (cause) {
        throw new TimestampError(`timestamp authority ${url} did not answer: ${(cause as Error).message}`, { cause });
      }
      if (!response.ok) throw new TimestampError(`timestamp authority ${url} answered HTTP ${response.status}`);
      return readTimestampResponse(url, new Uint8Array(await response.arrayBuffer()), nonce);
    }),
  );
}
