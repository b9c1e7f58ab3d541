// Joins the embedded store to IPFS peers over libp2p (TCP, Noise, Yamux, Bitswap) when asked.
import { withBitswap } from "@helia/bitswap";
import type { Helia } from "@helia/interface";
import { type HeliaWithLibp2p, withLibp2pLight } from "@helia/libp2p";
import { identify } from "@libp2p/identify";
import { noise } from "@libp2p/noise";
import { tcp } from "@libp2p/tcp";
import { yamux } from "@libp2p/yamux";
import { MemoryDatastore } from "datastore-core";
import { createHeliaLight } from "helia";
import type { CID } from "multiformats/cid";
import type { EmbeddedContentStore } from "./embedded-store.ts";
import { ContentError } from "./errors.ts";
import type { BlockSource } from "./stream.ts";

export type NetworkOptions = {
  /** libp2p listen addresses, e.g. `/ip4/127.0.0.1/tcp/0` (loopback only) or `/ip4/0.0.0.0/tcp/4001`. */
  listen: string[];
};

/**
 * Joins the embedded store to IPFS peers over libp2p (TCP, Noise, Yamux) with Bitswap: peers can fetch its blocks, and
 * {@link NetworkNode.source} fetches missing blocks from connected peers (every block is still re-hashed before use).
 * Off by default; no public bootstrap or routing is configured, so a node only talks to peers it is told to dial.
 */
export class NetworkNode {
  readonly helia: HeliaWithLibp2p;

  private constructor(helia: HeliaWithLibp2p) {
    this.helia = helia;
  }

  static async start(store: EmbeddedContentStore, options: NetworkOptions): Promise<NetworkNode> {
    const light: Helia = createHeliaLight({ blockstore: store.blocks, datastore: new MemoryDatastore() });
    const helia = withBitswap(
      withLibp2pLight(light, {
        addresses: { listen: options.listen },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        services: { identify: identify() },
      }),
    );
    await helia.start();
    return new NetworkNode(helia as HeliaWithLibp2p);
  }

  /** The addresses peers can dial. */
  addresses(): string[] {
    return this.helia.libp2p.getMultiaddrs().map((a) => a.toString());
  }

  async dial(address: string): Promise<void> {
    const { multiaddr } = await import("@multiformats/multiaddr");
    await this.helia.libp2p.dial(multiaddr(address));
  }

  /** Blocks from the local store, else from connected peers over Bitswap (stored locally once fetched). */
  source(timeoutMs = 30_000): BlockSource {
    const blockstore = this.helia.blockstore;
    return {
      async read(cid: CID, options) {
        const signal = options?.signal ?? AbortSignal.timeout(timeoutMs);
        try {
          const chunks: Uint8Array[] = [];
          for await (const chunk of blockstore.get(cid, { signal })) chunks.push(chunk);
          return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
        } catch (error) {
          throw new ContentError(
            "NotFound",
            `block ${cid} is not available here or from peers: ${(error as Error).message}`,
          );
        }
      },
    };
  }

  async stop(): Promise<void> {
    await this.helia.stop();
  }
}
