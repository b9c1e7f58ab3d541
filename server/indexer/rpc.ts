/**
 * A JSON-RPC client for the indexer: batching, timeouts, retries with exponential backoff and full jitter, and failover
 * across several endpoints. "Range too large" answers are not retried here: they are reported as
 * {@link RangeTooLargeError} so the log fetcher can shrink its range. An endpoint that keeps failing is reported in
 * {@link RpcClient.status}, which the API's `/ready` exposes.
 */

export type RpcConfig = {
  /** Endpoints in order of preference; the client moves to the next one when a request fails. */
  urls: readonly string[];
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Attempts per call across all endpoints before giving up. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
};

export type RpcCall = { method: string; params: readonly unknown[] };

/** A JSON-RPC error answered by the node for one call. */
export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = "RpcError";
    this.code = code;
    this.data = data;
  }
}

/** The node refused an `eth_getLogs` range as too large (too many blocks or results). */
export class RangeTooLargeError extends RpcError {
  constructor(code: number, message: string) {
    super(code, message);
    this.name = "RangeTooLargeError";
  }
}

/** Every endpoint kept failing: the indexer stops and reports it rather than skip anything. */
export class RpcUnavailableError extends Error {
  readonly failures: readonly string[];
  constructor(method: string, failures: readonly string[]) {
    super(`${method} failed on every RPC endpoint: ${failures.slice(-3).join("; ")}`);
    this.name = "RpcUnavailableError";
    this.failures = failures;
  }
}

export type EndpointStatus = {
  url: string;
  ok: boolean;
  consecutiveFailures: number;
  lastError: string | null;
  lastSuccessAt: number | null;
  /** When the failures since its last answer began (ms since the epoch); null while it answers. */
  failingSince: number | null;
};

const RANGE_TOO_LARGE =
  /(block range|range (is )?too (large|wide)|too many (results|logs|blocks)|more than \d+ (results|logs)|limit exceeded|exceeds max(imum)? (block )?range|response size)/i;

/** Whether a node's error means "ask for a smaller range" (providers word it differently; -32005 is the EIP-1474 code). */
export function isRangeTooLarge(code: number, message: string): boolean {
  return code === -32005 || RANGE_TOO_LARGE.test(message);
}

export class RpcClient {
  readonly #urls: readonly string[];
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #status: EndpointStatus[];
  #current = 0;
  #nextId = 1;

  constructor(config: RpcConfig) {
    if (config.urls.length === 0) throw new Error("RpcClient needs at least one URL");
    this.#urls = config.urls;
    this.#timeoutMs = config.timeoutMs ?? 10_000;
    this.#maxAttempts = config.maxAttempts ?? 8;
    this.#baseDelayMs = config.baseDelayMs ?? 100;
    this.#maxDelayMs = config.maxDelayMs ?? 5_000;
    this.#status = config.urls.map((url) => ({
      url,
      ok: true,
      consecutiveFailures: 0,
      lastError: null,
      lastSuccessAt: null,
      failingSince: null,
    }));
  }

  /** One call. */
  async request<T>(method: string, params: readonly unknown[] = []): Promise<T> {
    const [result] = await this.batch<T>([{ method, params }]);
    return result as T;
  }

  /**
   * Several calls in one JSON-RPC batch; results in call order. A node error for any call rejects the batch with it
   * (a {@link RangeTooLargeError} when it is one); transport failures and server errors are retried on the next
   * endpoint after a backoff.
   */
  async batch<T>(calls: readonly RpcCall[]): Promise<T[]> {
    if (calls.length === 0) return [];
    const failures: string[] = [];
    for (let attempt = 0; attempt < this.#maxAttempts; attempt++) {
      const index = this.#current;
      const status = this.#status[index] as EndpointStatus;
      try {
        const results = await this.#send<T>(status.url, calls);
        status.ok = true;
        status.consecutiveFailures = 0;
        status.lastSuccessAt = Date.now();
        status.failingSince = null;
        return results;
      } catch (error) {
        if (error instanceof RpcError && !isTransient(error)) throw error;
        const message = `${status.url}: ${(error as Error).message}`;
        failures.push(message);
        status.consecutiveFailures += 1;
        status.lastError = message;
        status.ok = false;
        status.failingSince ??= Date.now();
        this.#current = (index + 1) % this.#urls.length;
        // Full jitter: a random wait up to the exponential bound, so retrying indexers do not stampede.
        const bound = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** attempt);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * bound));
      }
    }
    throw new RpcUnavailableError(calls.map((c) => c.method).join(","), failures);
  }

  /** Health of each endpoint, for `/ready`. */
  status(): EndpointStatus[] {
    return this.#status.map((s) => ({ ...s }));
  }

  async #send<T>(url: string, calls: readonly RpcCall[]): Promise<T[]> {
    const first = this.#nextId;
    this.#nextId += calls.length;
    const body = calls.map((c, i) => ({ jsonrpc: "2.0", id: first + i, method: c.method, params: c.params }));
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const answers = (await response.json()) as unknown;
    if (!Array.isArray(answers)) {
      // Some nodes answer a whole batch with one error object.
      const single = answers as { error?: { code: number; message: string } };
      if (single.error) throw classify(single.error.code, single.error.message);
      throw new Error("the node did not answer the batch with an array");
    }
    const byId = new Map<number, { result?: T; error?: { code: number; message: string; data?: unknown } }>();
    for (const answer of answers as { id: number; result?: T; error?: { code: number; message: string } }[]) {
      byId.set(answer.id, answer);
    }
    return calls.map((_, i) => {
      const answer = byId.get(first + i);
      if (!answer) throw new Error(`no answer for call ${i} of the batch`);
      if (answer.error) throw classify(answer.error.code, answer.error.message, answer.error.data);
      return answer.result as T;
    });
  }
}

function classify(code: number, message: string, data?: unknown): RpcError {
  return isRangeTooLarge(code, message) ? new RangeTooLargeError(code, message) : new RpcError(code, message, data);
}

/** Node errors worth retrying elsewhere: internal errors and rate limits, not bad requests. */
function isTransient(error: RpcError): boolean {
  if (error instanceof RangeTooLargeError) return false;
  return (
    error.code === -32603 || error.code === -32000 || error.code === 429 || /rate|timeout|busy/i.test(error.message)
  );
}
