// Two embedded stores exchanging blocks over libp2p.
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { EmbeddedContentStore } from "../../server/content/embedded-store.ts";
import { ContentError } from "../../server/content/errors.ts";
import { NetworkNode } from "../../server/content/network.ts";
import { readUnixFsFile, verifying } from "../../server/content/stream.ts";

/** Two embedded nodes on loopback: a file added on one is fetched by CID from the other over libp2p and Bitswap. */
describe("content store: two embedded nodes over libp2p", () => {
  const dirs: string[] = [];
  const nodes: NetworkNode[] = [];
  const stores: EmbeddedContentStore[] = [];

  async function node(): Promise<{ store: EmbeddedContentStore; net: NetworkNode }> {
    const dir = await mkdtemp(join(tmpdir(), "titlechain-net-"));
    dirs.push(dir);
    const store = await EmbeddedContentStore.open({ dir, maxFileSize: 2 ** 30 });
    stores.push(store);
    const net = await NetworkNode.start(store, { listen: ["/ip4/127.0.0.1/tcp/0"] });
    nodes.push(net);
    return { store, net };
  }

  async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of source) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop();
    for (const s of stores.splice(0)) await s.close();
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it("listens on loopback only, as configured", async () => {
    const { net } = await node();
    const addresses = net.addresses();
    expect(addresses).to.have.length.greaterThan(0);
    for (const address of addresses) expect(address).to.match(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3Koo/);
  });

  it("fetches a multi-block file by CID from a peer, verified, and keeps its blocks locally", async () => {
    const a = await node();
    const b = await node();
    const bytes = new Uint8Array(1_000_003).map((_, i) => (i * 7 + (i >> 9)) & 255);
    const added = await a.store.add([bytes]);
    expect(b.store.blocks.has((await import("multiformats/cid")).CID.parse(added.cid))).to.equal(false);

    const [address] = a.net.addresses();
    if (!address) throw new Error("node a has no address");
    await b.net.dial(address);
    const fetched = await collect(readUnixFsFile(verifying(b.net.source(10_000)), added.cid));
    expect(fetched.length).to.equal(bytes.length);
    expect(`0x${createHash("sha256").update(fetched).digest("hex")}`).to.equal(added.sha256);
    // Fetched blocks are stored on b: it now serves the file without the peer.
    await a.net.stop();
    nodes.splice(nodes.indexOf(a.net), 1);
    const again = await collect(
      readUnixFsFile(verifying(b.net.source(2_000)), added.cid, { offset: 500_000, length: 7 }),
    );
    expect(Buffer.compare(again, Buffer.from(bytes.subarray(500_000, 500_007)))).to.equal(0);
  });

  it("reports NotFound when no connected peer has the file", async () => {
    const a = await node();
    const b = await node();
    const [address] = a.net.addresses();
    if (!address) throw new Error("node a has no address");
    await b.net.dial(address);
    const missing = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
    try {
      await collect(readUnixFsFile(verifying(b.net.source(1_500)), missing));
      expect.fail("a missing file was read");
    } catch (error) {
      expect(error).to.be.instanceOf(ContentError);
      expect((error as ContentError).code).to.equal("NotFound");
    }
  });
});
