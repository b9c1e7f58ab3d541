// The chain head as it moves: WebSocket newHeads when offered, polling otherwise, reconnecting with backoff.
import type { RpcClient } from "./rpc.ts";

export type HeadsOptions = {
  rpc: RpcClient;
  /** A WebSocket JSON-RPC endpoint: new heads arrive by `eth_subscribe("newHeads")` the moment they are mined. */
  wsUrl?: string | undefined;
  /** How often to ask for the head when there is no subscription (or as a safety net beside it). */
  pollIntervalMs?: number;
};

/**
 * The chain head as it moves: pushed by a WebSocket `newHeads` subscription when the endpoint offers one, polled with
 * `eth_blockNumber` otherwise. A dropped socket is reconnected with backoff, polling in the meantime; nothing is
 * missed, because the indexer always syncs to the latest head it knows, not head by head.
 */
export class Heads {
  readonly #rpc: RpcClient;
  readonly #wsUrl: string | undefined;
  readonly #pollMs: number;
  #latest = -1n;
  /** Counts announcements, so a new head at the same height (a reorg) is not mistaken for the one before. */
  #seq = 0;
  #waiters: (() => void)[] = [];
  #socket: WebSocket | null = null;
  #subscribed = false;
  #closed = false;
  #reconnectMs = 100;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: HeadsOptions) {
    this.#rpc = options.rpc;
    this.#wsUrl = options.wsUrl;
    this.#pollMs = options.pollIntervalMs ?? 1000;
    if (this.#wsUrl) this.#connect(this.#wsUrl);
  }

  /** Whether heads are pushed by a live subscription right now. */
  get subscribed(): boolean {
    return this.#subscribed;
  }

  /** The latest head seen (asks the node when none was seen yet). */
  async latest(): Promise<bigint> {
    if (this.#latest < 0n || !this.#subscribed) this.#see(BigInt(await this.#rpc.request<string>("eth_blockNumber")));
    return this.#latest;
  }

  /** The number of heads announced so far; pass it to {@link next}. */
  get seq(): number {
    return this.#seq;
  }

  /** Resolves once a head is announced after announcement `seq`, or after the poll interval, or on abort. */
  async next(seq: number, signal?: AbortSignal): Promise<void> {
    if (this.#seq !== seq) return;
    await new Promise<void>((resolve) => {
      const wait = this.#subscribed ? this.#pollMs * 10 : this.#pollMs;
      const timer = setTimeout(done, wait);
      const onAbort = () => done();
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }
      signal?.addEventListener("abort", onAbort);
      this.#waiters.push(done);
    });
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#socket?.close();
    for (const w of this.#waiters.splice(0)) w();
  }

  /** A head was announced: the latest, even if lower than the one before (the chain reorganised onto a shorter one). */
  #see(head: bigint): void {
    this.#latest = head;
    this.#seq++;
    for (const w of this.#waiters.splice(0)) w();
  }

  #connect(url: string): void {
    if (this.#closed) return;
    const socket = new WebSocket(url);
    this.#socket = socket;
    socket.addEventListener("open", () => {
      this.#reconnectMs = 100;
      socket.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] }));
    });
    socket.addEventListener("message", (message) => {
      const data = JSON.parse(String(message.data)) as {
        id?: number;
        result?: string;
        error?: unknown;
        params?: { result?: { number?: string } };
      };
      if (data.id === 1) {
        this.#subscribed = data.error === undefined && typeof data.result === "string";
        return;
      }
      const number = data.params?.result?.number;
      if (number) this.#see(BigInt(number));
    });
    socket.addEventListener("close", () => {
      this.#subscribed = false;
      this.#socket = null;
      if (this.#closed) return;
      this.#timer = setTimeout(() => this.#connect(url), this.#reconnectMs);
      this.#reconnectMs = Math.min(this.#reconnectMs * 2, 10_000);
    });
    socket.addEventListener("error", () => {
      // "close" follows and reconnects; polling covers the gap.
    });
  }
}
