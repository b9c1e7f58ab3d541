// Metadata fetching and bilingual search on anvil, the embedded content store and both databases.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { type Address, createPublicClient, createWalletClient, type Hex, http, zeroAddress } from "viem";
import { foundry } from "viem/chains";
import { cidFromHex, cidToHex } from "../../core/cid.ts";
import { buildWorkMetadata, type WorkMetadata, type WorkMetadataInput } from "../../core/metadata.ts";
import { type Deployment, deployTitlechainViem } from "../../scripts/deploy/viem.ts";
import { type ContentStore, type GetOptions, openContentStore } from "../../server/content/index.ts";
import { fetchWorkMetadata, storeWorkMetadata } from "../../server/content/metadata-io.ts";
import type { Database } from "../../server/db/database.ts";
import { migrate } from "../../server/db/migrate.ts";
import type { Indexer } from "../../server/indexer/indexer.ts";
import { type FetchRound, MetadataFetcher } from "../../server/indexer/metadata.ts";
import { RpcClient } from "../../server/indexer/rpc.ts";
import { searchWorks, type WorkHit, type WorkSearch } from "../../server/indexer/search.ts";
import { documentTerms, queryTerms } from "../../server/indexer/search-terms.ts";
import { provenanceRegistryAbi } from "../../types/abi/index.js";
import { pgliteBackend, postgresBackend } from "../db/backends.ts";
import { type Anvil, rpcCall, seeded, startAnvil } from "./chain.ts";
import { CHAIN_ID, deploymentIndexer } from "./mirror.ts";

type Craft = "qiang" | "lianghe" | "leather" | "indigo" | "weaving";

/** A fixture work: its craft (what a search for it should find), the account (1..3) that registers it, its metadata. */
type Fixture = { key: string; craft: Craft; creator: 1 | 2 | 3; metadata: Omit<WorkMetadataInput, "content"> };

const person = (name: string) => [{ "@type": "Person" as const, name }];

/** Bilingual works of the crafts the platform serves. */
const FIXTURES: Fixture[] = [
  {
    key: "qiang-cloud",
    craft: "qiang",
    creator: 1,
    metadata: {
      name: "羌绣·云纹 Qiang embroidery: cloud pattern",
      description: "羌族云纹挑花。A cloud-scroll border in Qiang cross-stitch.",
      i18n: {
        zh: { name: "羌绣·云纹", description: "羌族云纹挑花，茂县。" },
        en: { name: "Qiang embroidery: cloud pattern", description: "A cloud-scroll border in cross-stitch." },
      },
      creator: person("王阿妹"),
      dateCreated: "2024-05",
      genre: "Qiang embroidery",
      locationCreated: { name: "茂县", addressRegion: "四川 Sichuan", addressCountry: "CN" },
      keywords: ["羌绣", "embroidery", "云纹"],
    },
  },
  {
    key: "qiang-sheep-horn",
    craft: "qiang",
    creator: 1,
    metadata: {
      name: "羌绣·羊角花 Qiang embroidery: sheep-horn flower",
      description: "羊角花纹样的羌绣。Sheep-horn flowers in Qiang embroidery.",
      i18n: {
        zh: { name: "羌绣·羊角花", description: "羊角花纹样。" },
        en: { name: "Qiang embroidery: sheep-horn flower" },
      },
      creator: person("王阿妹"),
      dateCreated: "2023-11-02",
      genre: "Qiang embroidery",
      locationCreated: { addressRegion: "四川 Sichuan", addressCountry: "CN" },
      keywords: ["羌绣", "羊角花"],
    },
  },
  {
    key: "lianghe-dragon",
    craft: "lianghe",
    creator: 2,
    metadata: {
      name: "梁河木雕·龙 Lianghe wood carving: dragon",
      description: "梁河手工木艺。Lianghe wood handicraft: a dragon carved in camphor.",
      i18n: {
        zh: { name: "梁河木雕·龙", description: "樟木雕刻的龙。" },
        en: { name: "Lianghe wood carving: dragon", description: "A dragon carved in camphor wood." },
      },
      creator: person("李木匠"),
      dateCreated: "2022",
      genre: "Lianghe wood carving",
      locationCreated: { name: "梁河县", addressRegion: "云南 Yunnan", addressCountry: "CN" },
      keywords: ["木雕", "wood carving", "梁河"],
    },
  },
  {
    key: "leather-saddle",
    craft: "leather",
    creator: 3,
    metadata: {
      name: "皮革艺术·马鞍 Leather art: saddle",
      description: "手工压花马鞍。A hand-tooled saddle.",
      i18n: { zh: { name: "皮革艺术·马鞍" }, en: { name: "Leather art: saddle" } },
      creator: person("巴特尔"),
      dateCreated: "2021-08",
      genre: "Leather art",
      locationCreated: { addressRegion: "内蒙古 Inner Mongolia", addressCountry: "CN" },
      keywords: ["皮革", "leather", "saddle"],
    },
  },
  {
    key: "indigo-flowers",
    craft: "indigo",
    creator: 2,
    metadata: {
      name: "蓝染·蓝花 Indigo dyeing: blue flowers",
      description: "蓝靛染的花布。Cloth of blue flowers dyed with indigo.",
      i18n: { zh: { name: "蓝染·蓝花" }, en: { name: "Indigo dyeing: blue flowers" } },
      creator: [{ "@type": "Organization", name: "丹寨蓝染合作社" }],
      dateCreated: "2024-01-15",
      genre: "Indigo dyeing",
      locationCreated: { addressRegion: "贵州 Guizhou", addressCountry: "CN" },
      keywords: ["蓝染", "indigo"],
    },
  },
  {
    key: "tie-dye-butterfly",
    craft: "indigo",
    creator: 3,
    metadata: {
      name: "扎染·蝴蝶 Tie-dye: butterflies",
      description: "大理扎染。Bai tie-dye from Dali, indigo on cotton.",
      i18n: { zh: { name: "扎染·蝴蝶" }, en: { name: "Tie-dye: butterflies" } },
      creator: person("段阿姐"),
      dateCreated: "2023",
      genre: "Indigo dyeing",
      locationCreated: { name: "大理", addressRegion: "云南 Yunnan", addressCountry: "CN" },
      keywords: ["扎染", "蓝染", "tie-dye"],
    },
  },
  {
    key: "brocade-geometric",
    craft: "weaving",
    creator: 1,
    metadata: {
      name: "织锦·几何纹 Brocade weaving: geometric",
      description:
        "土家织锦，几何纹样借鉴了邻近的羌绣与蜀锦图案，经纬交织而成，色彩浓烈，层次丰富。" +
        "Tujia brocade woven on a back-strap loom, its geometric motifs borrowed from neighbouring Qiang needlework " +
        "and Shu brocade, in strong colours.",
      i18n: { zh: { name: "织锦·几何纹" }, en: { name: "Brocade weaving: geometric" } },
      creator: person("田幺妹"),
      dateCreated: "2020",
      genre: "Weaving",
      locationCreated: { addressRegion: "湖南 Hunan", addressCountry: "CN" },
      keywords: ["织锦", "brocade", "weaving"],
    },
  },
  {
    key: "qiang-apron",
    craft: "qiang",
    creator: 2,
    metadata: {
      name: "羌绣·挑花围裙 Qiang embroidery: cross-stitch apron",
      description: "挑花围裙。An apron in Qiang cross-stitch.",
      i18n: { zh: { name: "羌绣·挑花围裙" }, en: { name: "Qiang embroidery: cross-stitch apron" } },
      creator: person("杨阿婆"),
      dateCreated: "2024",
      genre: "Qiang embroidery",
      locationCreated: { addressRegion: "四川 Sichuan", addressCountry: "CN" },
      keywords: ["羌绣", "embroidery", "围裙"],
    },
  },
];

/** Every text of a document the search promises to match: title, description, creator, technique, region, tags. */
function searchableTexts(m: WorkMetadata): string[] {
  return [
    m.name,
    m.description,
    m.i18n.zh?.name,
    m.i18n.zh?.description,
    m.i18n.en?.name,
    m.i18n.en?.description,
    ...m.creator.map((c) => c.name),
    m.genre,
    m.locationCreated?.addressRegion,
    m.locationCreated?.name,
    ...(m.keywords ?? []),
  ].filter((t): t is string => t !== undefined);
}

/**
 * The real store with every read held until `release()`: the latency of a slow IPFS peer, a fault the embedded store
 * cannot show. A held read gives up when its signal aborts, as a read from the network does.
 */
class HeldStore implements ContentStore {
  readonly inner: ContentStore;
  reads = 0;
  #release: () => void = () => {};
  readonly #held: Promise<void>;

  constructor(inner: ContentStore) {
    this.inner = inner;
    this.#held = new Promise((resolve) => {
      this.#release = resolve;
    });
  }

  release(): void {
    this.#release();
  }

  get(cid: string, options: GetOptions = {}): AsyncIterable<Uint8Array> {
    const held = this.#held;
    const inner = this.inner;
    const signal = options.signal;
    this.reads++;
    return (async function* () {
      await new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
        void held.then(resolve);
      });
      yield* inner.get(cid, options);
    })();
  }

  add(...args: Parameters<ContentStore["add"]>) {
    return this.inner.add(...args);
  }
  has(cid: string) {
    return this.inner.has(cid);
  }
  stat(cid: string) {
    return this.inner.stat(cid);
  }
  pin(cid: string) {
    return this.inner.pin(cid);
  }
  collectGarbage(olderThanMs: number) {
    return this.inner.collectGarbage(olderThanMs);
  }
  close() {
    return Promise.resolve();
  }
}

type Registered = { key: string; craft: Craft; workId: bigint; cid: string; metadata: WorkMetadata; creator: Address };

type WorkRow = {
  work_id: string;
  metadata_cid: string;
  metadata_status: string;
  metadata_error: string | null;
  metadata_attempts: number;
  retry_at: number | null;
  name: string | null;
  name_zh: string | null;
  name_en: string | null;
  description: string | null;
  technique: string | null;
  region: string | null;
  tags: string[];
};

for (const make of [pgliteBackend, postgresBackend]) {
  const backend = make();
  describe(`metadata fetching and search on anvil, the embedded content store and ${backend.name}`, function () {
    this.timeout(120_000);
    let anvil: Anvil;
    let deployment: Deployment;
    let db: Database;
    let storeDir: string;
    let store: ContentStore;
    let accounts: Address[];
    let indexer: Indexer;
    let rpc: RpcClient;
    const random = seeded(0x71a9);
    const registered: Registered[] = [];

    const client = () => createPublicClient({ chain: foundry, transport: http(anvil.url) });
    const send = async (account: Address, functionName: string, args: readonly unknown[]) => {
      const wallet = createWalletClient({ chain: foundry, transport: http(anvil.url), account });
      const hash = await wallet.writeContract({
        address: deployment.registry,
        abi: provenanceRegistryAbi,
        functionName,
        args,
      } as never);
      const receipt = await client().waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
    };

    /** A work file (PNG signature, seeded bytes) added to the store: its content block for the metadata. */
    const addWorkFile = async (): Promise<WorkMetadata["content"]> => {
      const bytes = new Uint8Array(512 + Math.floor(random() * 2048));
      bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      for (let i = 8; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      const added = await store.add([bytes], { mediaType: "image/png" });
      return { sha256: added.sha256, cid: added.cid, size: added.size, mediaType: added.mediaType };
    };

    /** Registers a work whose metadata has CID `cid` (stored or not), from `creator`, a minute after the last one. */
    const register = async (creator: Address, contentHash: Hex, cid: string): Promise<bigint> => {
      await rpcCall(anvil.url, "evm_increaseTime", [60]);
      await send(creator, "register", [
        {
          to: creator,
          contentHash,
          metadataCid: cidToHex(cid),
          royaltyReceiver: zeroAddress,
          royaltyBps: 0,
          parents: [],
        },
      ]);
      return BigInt(contentHash);
    };

    const sync = async () => indexer.syncTo(BigInt(await rpc.request<string>("eth_blockNumber")));

    /** Runs fetch rounds until one finds nothing due; returns the totals. */
    const drain = async (fetcher: MetadataFetcher): Promise<FetchRound> => {
      const total: FetchRound = { ok: 0, invalid: 0, unavailable: 0 };
      for (let i = 0; i < 50; i++) {
        const round = await fetcher.runOnce();
        total.ok += round.ok;
        total.invalid += round.invalid;
        total.unavailable += round.unavailable;
        if (round.ok + round.invalid + round.unavailable === 0) return total;
      }
      throw new Error("the fetcher never ran out of due works");
    };

    const rowOf = async (workId: bigint): Promise<WorkRow> => {
      const [row] = await db.query<WorkRow>(
        "select work_id::text as work_id, metadata_cid, metadata_status, metadata_error, metadata_attempts, " +
          "extract(epoch from metadata_retry_at)::float8 as retry_at, name, name_zh, name_en, description, technique, " +
          "region, tags from works where chain_id = $1 and work_id = $2",
        [CHAIN_ID, workId.toString()],
      );
      if (!row) throw new Error(`work ${workId} is not mirrored`);
      return row;
    };

    const dbNow = async (): Promise<number> => {
      const [row] = await db.query<{ t: number }>("select extract(epoch from clock_timestamp())::float8 as t");
      return Number(row?.t);
    };

    /** Waits (at most 5 s) until the database considers the work's retry due. */
    const waitUntilDue = async (workId: bigint) => {
      for (let i = 0; i < 100; i++) {
        const [row] = await db.query<{ due: boolean }>(
          "select metadata_retry_at <= now() as due from works where chain_id = $1 and work_id = $2",
          [CHAIN_ID, workId.toString()],
        );
        if (row?.due) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`the retry of ${workId} never came due`);
    };

    /** The metadata CID the registry itself records for a work. */
    const chainCidOf = async (workId: bigint): Promise<string> => {
      const work = await client().readContract({
        address: deployment.registry,
        abi: provenanceRegistryAbi,
        functionName: "workOf",
        args: [workId],
      });
      return cidFromHex(work.metadataCid);
    };

    /** The row holds the document's own fields, and the CID the chain names. */
    const expectDenormalised = async (workId: bigint, cid: string, m: WorkMetadata) => {
      const row = await rowOf(workId);
      expect(row.metadata_cid).to.equal(await chainCidOf(workId));
      expect(row.metadata_cid).to.equal(cid);
      expect({
        status: row.metadata_status,
        error: row.metadata_error,
        retryAt: row.retry_at,
        name: row.name,
        nameZh: row.name_zh,
        nameEn: row.name_en,
        description: row.description,
        technique: row.technique,
        region: row.region,
        tags: row.tags,
      }).to.deep.equal({
        status: "ok",
        error: null,
        retryAt: null,
        name: m.name,
        nameZh: m.i18n.zh?.name ?? null,
        nameEn: m.i18n.en?.name ?? null,
        description: m.description,
        technique: m.genre ?? null,
        region: m.locationCreated?.addressRegion ?? m.locationCreated?.name ?? null,
        tags: m.keywords ?? [],
      });
    };

    const search = (s: Omit<WorkSearch, "chainId">) => searchWorks(db, { chainId: CHAIN_ID, ...s });
    const ids = (hits: WorkHit[]) => hits.map((h) => h.workId);
    const idsOf = (works: Registered[]) => works.map((w) => w.workId.toString());
    const fixtureWorks = () => registered.filter((w) => FIXTURES.some((f) => f.key === w.key));

    /** The fixture works whose searchable texts hold every term of `q` (words; Chinese pairs of characters). */
    const containing = (q: string) => {
      const terms = queryTerms(q);
      return fixtureWorks().filter((w) => {
        const has = documentTerms(searchableTexts(w.metadata).map((text) => ({ text, weight: 1 })));
        return terms.length > 0 && terms.every((term) => has.has(term));
      });
    };

    before(async () => {
      anvil = await startAnvil();
      deployment = await deployTitlechainViem(anvil.url);
      accounts = await createWalletClient({ chain: foundry, transport: http(anvil.url) }).getAddresses();
      storeDir = await mkdtemp(join(tmpdir(), "titlechain-metadata-"));
      store = await openContentStore({ dataDir: storeDir, maxFileSize: 2 ** 20 });
      db = await backend.open();
      await migrate(db);
      rpc = new RpcClient({ urls: [anvil.url] });
      indexer = deploymentIndexer(db, rpc, deployment);
    });

    after(async () => {
      await store?.close();
      if (storeDir) await rm(storeDir, { recursive: true, force: true });
      await db?.close();
      await backend.cleanup();
      await anvil?.stop();
    });

    it("fetches, validates and denormalises every work's metadata as its document and the chain say", async () => {
      for (const f of FIXTURES) {
        const metadata = buildWorkMetadata({ ...f.metadata, content: await addWorkFile() });
        const cid = await storeWorkMetadata(store, metadata);
        const creator = accounts[f.creator] as Address;
        const workId = await register(creator, metadata.content.sha256, cid);
        registered.push({ key: f.key, craft: f.craft, workId, cid, metadata, creator });
      }
      await sync();
      for (const w of registered) {
        const row = await rowOf(w.workId);
        expect([row.metadata_status, row.metadata_attempts, row.name]).to.deep.equal(["pending", 0, null]);
      }
      const fetcher = new MetadataFetcher({ db, store, chainId: CHAIN_ID, batchSize: 3, concurrency: 2 });
      expect(await drain(fetcher)).to.deep.equal({ ok: FIXTURES.length, invalid: 0, unavailable: 0 });
      for (const w of registered) {
        // What the store serves for the CID the chain names is the document, and the row holds its fields.
        expect(await fetchWorkMetadata(store, await chainCidOf(w.workId))).to.deep.equal(w.metadata);
        await expectDenormalised(w.workId, w.cid, w.metadata);
        expect((await rowOf(w.workId)).metadata_attempts).to.equal(1);
      }
      // Nothing is fetched twice.
      expect(await fetcher.runOnce()).to.deep.equal({ ok: 0, invalid: 0, unavailable: 0 });
    });

    it("finds works by Chinese and English text, the works of the craft asked for first", async () => {
      const groups: [string, Craft][] = [
        ["羌绣", "qiang"],
        ["embroidery", "qiang"],
        ["Qiang embroidery", "qiang"],
        ["木雕", "lianghe"],
        ["wood carving", "lianghe"],
        ["梁河", "lianghe"],
        ["皮革艺术", "leather"],
        ["扎染", "indigo"],
        ["蓝染", "indigo"],
        ["indigo", "indigo"],
        ["织锦", "weaving"],
      ];
      for (const [q, craft] of groups) {
        const { hits, next } = await search({ q });
        expect(next, q).to.equal(null);
        const craftIds = idsOf(containing(q).filter((w) => w.craft === craft)).sort();
        expect(craftIds, q).not.to.deep.equal([]);
        // Every work whose texts contain the query, and no other.
        expect(ids(hits).sort(), q).to.deep.equal(idsOf(containing(q)).sort());
        // The matching works of the craft come first, best match first.
        expect(ids(hits.slice(0, craftIds.length)).sort(), q).to.deep.equal(craftIds);
        for (let i = 1; i < hits.length; i++) {
          expect(hits[i - 1]?.score, q).to.be.at.least(hits[i]?.score ?? 0);
        }
        for (const hit of hits) {
          const w = registered.find((r) => r.workId.toString() === hit.workId);
          expect(hit.name).to.equal(w?.metadata.name);
          expect(hit.technique).to.equal(w?.metadata.genre);
          expect(hit.creator).to.equal(w?.creator.toLowerCase());
        }
      }
      // "羌绣" also finds the brocade that borrows its motifs, after the embroideries.
      const qiang = await search({ q: "羌绣" });
      expect(qiang.hits.map((h) => registered.find((r) => r.workId.toString() === h.workId)?.craft)).to.deep.equal([
        "qiang",
        "qiang",
        "qiang",
        "weaving",
      ]);
      // Regions and creators are searchable too; a query in neither language finds nothing.
      expect(ids((await search({ q: "云南" })).hits).sort()).to.deep.equal(idsOf(containing("云南")).sort());
      expect(
        containing("云南")
          .map((w) => w.key)
          .sort(),
      ).to.deep.equal(["lianghe-dragon", "tie-dye-butterfly"]);
      expect(ids((await search({ q: "王阿妹" })).hits).sort()).to.deep.equal(idsOf(containing("王阿妹")).sort());
      expect(containing("王阿妹")).to.have.length(2);
      expect((await search({ q: "苗绣 silk" })).hits).to.deep.equal([]);
    });

    it("reads punctuation as a break between words: alone it finds nothing", async () => {
      for (const q of ["%", "_", "·"]) expect((await search({ q })).hits, q).to.deep.equal([]);
      for (const q of ["羌%绣", "Qiang_embroidery", "qiang·EMBROIDERY"]) {
        expect(ids((await search({ q })).hits).sort(), q).to.deep.equal(idsOf(containing(q)).sort());
        expect(containing(q), q).not.to.deep.equal([]);
      }
    });

    it("filters by creator, technique and registration time as the registry records them", async () => {
      const reads = await Promise.all(
        fixtureWorks().map(async (w) => ({
          w,
          work: await client().readContract({
            address: deployment.registry,
            abi: provenanceRegistryAbi,
            functionName: "workOf",
            args: [w.workId],
          }),
        })),
      );
      // No text: newest first, then by id.
      const newestFirst = (list: typeof reads) =>
        [...list]
          .sort((a, b) =>
            a.work.registeredAt === b.work.registeredAt
              ? Number(b.w.workId - a.w.workId > 0n) - Number(b.w.workId - a.w.workId < 0n)
              : Number(b.work.registeredAt - a.work.registeredAt),
          )
          .map((r) => r.w.workId.toString());
      for (const index of [1, 2, 3] as const) {
        const creator = accounts[index] as Address;
        const expected = newestFirst(reads.filter((r) => r.work.creator.toLowerCase() === creator.toLowerCase()));
        expect(expected.length).to.be.greaterThan(0);
        expect(ids((await search({ creator })).hits)).to.deep.equal(expected);
        expect(ids((await search({ creator: creator.toLowerCase() })).hits)).to.deep.equal(expected);
      }
      for (const technique of ["Qiang embroidery", "INDIGO DYEING", "lianghe wood carving"]) {
        const expected = newestFirst(
          reads.filter((r) => r.w.metadata.genre?.toLowerCase() === technique.toLowerCase()),
        );
        expect(expected.length).to.be.greaterThan(0);
        expect(ids((await search({ technique })).hits)).to.deep.equal(expected);
      }
      // A time window from the 3rd to the 6th registration: from inclusive, to exclusive.
      const times = reads.map((r) => r.work.registeredAt).sort((a, b) => Number(a - b));
      const from = Number(times[2]);
      const to = Number(times[5]);
      const window = newestFirst(
        reads.filter((r) => r.work.registeredAt >= BigInt(from) && r.work.registeredAt < BigInt(to)),
      );
      expect(window).to.have.length(3);
      expect(ids((await search({ registeredFrom: from, registeredTo: to })).hits)).to.deep.equal(window);
      const hit = (await search({ registeredFrom: from, registeredTo: to })).hits[0];
      const read = reads.find((r) => r.w.workId.toString() === hit?.workId);
      expect(hit?.registeredAt).to.equal(Number(read?.work.registeredAt));
      // Filters combine with text.
      const artisan = accounts[1] as Address;
      const combined = containing("羌绣").filter((w) => w.creator === artisan);
      expect(combined.length).to.be.greaterThan(0);
      expect(ids((await search({ q: "羌绣", creator: artisan })).hits).sort()).to.deep.equal(idsOf(combined).sort());
      expect(ids((await search({ technique: "Qiang embroidery", registeredFrom: to })).hits)).to.deep.equal(
        newestFirst(
          reads.filter((r) => r.w.metadata.genre === "Qiang embroidery" && r.work.registeredAt >= BigInt(to)),
        ),
      );
    });

    it("pages through every hit with the cursor, none repeated or skipped", async () => {
      for (const query of [{}, { q: "羌绣" }, { q: "Qiang" }, { q: "embroidery" }, { technique: "Indigo dyeing" }]) {
        const all = (await search({ ...query, limit: 100 })).hits;
        expect(all.length, JSON.stringify(query)).to.be.greaterThan(1);
        for (const limit of [1, 2, 3]) {
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await search({ ...query, limit, ...(cursor ? { cursor } : {}) });
            expect(page.hits.length).to.be.at.most(limit);
            seen.push(...ids(page.hits));
            cursor = page.next ?? undefined;
            pages++;
          } while (cursor && pages < 100);
          expect(seen, `${JSON.stringify(query)} by ${limit}`).to.deep.equal(ids(all));
          expect(new Set(seen).size).to.equal(seen.length);
          expect(pages).to.equal(Math.ceil(all.length / limit));
        }
      }
    });

    it("marks a work whose metadata is not in the store unavailable without holding up the sync, then fetches it when it arrives", async () => {
      // The document exists, but only elsewhere: its CID is computed by a store of its own.
      const elsewhereDir = await mkdtemp(join(tmpdir(), "titlechain-metadata-elsewhere-"));
      const elsewhere = await openContentStore({ dataDir: elsewhereDir, maxFileSize: 2 ** 20 });
      const late = buildWorkMetadata({
        name: "羌绣·晚到的云肩 Qiang embroidery: the late cloud collar",
        description: "元数据稍后才到。Metadata that arrives late.",
        i18n: { zh: { name: "羌绣·晚到的云肩" }, en: { name: "Qiang embroidery: the late cloud collar" } },
        creator: person("王阿妹"),
        dateCreated: "2024-06",
        genre: "Qiang embroidery",
        keywords: ["云肩", "collar"],
        content: await addWorkFile(),
      });
      const lateCid = await storeWorkMetadata(elsewhere, late);
      await elsewhere.close();
      await rm(elsewhereDir, { recursive: true, force: true });
      expect(await store.has(lateCid)).to.equal(false);
      const artisan = accounts[1] as Address;
      const lateId = await register(artisan, late.content.sha256, lateCid);

      // A later work, with its metadata in the store.
      const after = buildWorkMetadata({
        name: "蓝染·后来者 Indigo dyeing: the follower",
        description: "注册在晚到者之后。Registered after the late one.",
        i18n: { zh: { name: "蓝染·后来者" }, en: { name: "Indigo dyeing: the follower" } },
        creator: person("段阿姐"),
        dateCreated: "2024-07",
        genre: "Indigo dyeing",
        content: await addWorkFile(),
      });
      const afterCid = await storeWorkMetadata(store, after);
      const coop = accounts[2] as Address;
      const afterId = await register(coop, after.content.sha256, afterCid);
      const head = BigInt(await rpc.request<string>("eth_blockNumber"));
      await sync();
      expect(await indexer.syncedBlock()).to.equal(head);

      const fetcher = new MetadataFetcher({ db, store, chainId: CHAIN_ID, retryMs: 50, timeoutMs: 5_000 });
      const t0 = await dbNow();
      expect(await fetcher.runOnce()).to.deep.equal({ ok: 1, invalid: 0, unavailable: 1 });
      const t1 = await dbNow();
      await expectDenormalised(afterId, afterCid, after);
      let row = await rowOf(lateId);
      expect([row.metadata_status, row.metadata_attempts, row.name]).to.deep.equal(["unavailable", 1, null]);
      expect(row.metadata_cid).to.equal(await chainCidOf(lateId));
      expect(row.metadata_error).to.be.a("string").and.include(lateCid);
      // Due again one retry delay (50 ms) after the attempt: later than the attempt began, no later than it ended.
      expect(row.retry_at).to.be.a("number");
      expect(row.retry_at as number).to.be.at.least(t0 + 0.05 - 0.002);
      expect(row.retry_at as number).to.be.at.most(t1 + 0.05 + 0.002);
      expect((await search({ q: "云肩" })).hits).to.deep.equal([]);

      // Still missing at the retry: the delay doubles.
      await waitUntilDue(lateId);
      const t2 = await dbNow();
      expect(await fetcher.runOnce()).to.deep.equal({ ok: 0, invalid: 0, unavailable: 1 });
      const t3 = await dbNow();
      row = await rowOf(lateId);
      expect([row.metadata_status, row.metadata_attempts]).to.deep.equal(["unavailable", 2]);
      expect(row.retry_at as number).to.be.at.least(t2 + 0.1 - 0.002);
      expect(row.retry_at as number).to.be.at.most(t3 + 0.1 + 0.002);

      // The document arrives; the next round once the retry is due makes the work 'ok'.
      expect(await storeWorkMetadata(store, late)).to.equal(lateCid);
      await waitUntilDue(lateId);
      expect(await fetcher.runOnce()).to.deep.equal({ ok: 1, invalid: 0, unavailable: 0 });
      await expectDenormalised(lateId, lateCid, late);
      expect((await rowOf(lateId)).metadata_attempts).to.equal(3);
      expect(ids((await search({ q: "云肩" })).hits)).to.deep.equal([lateId.toString()]);
      registered.push({ key: "late", craft: "qiang", workId: lateId, cid: lateCid, metadata: late, creator: artisan });
      registered.push({
        key: "after",
        craft: "indigo",
        workId: afterId,
        cid: afterCid,
        metadata: after,
        creator: coop,
      });
    });

    it("marks a document that is not valid metadata invalid, naming the field at fault, and never retries it", async () => {
      const artisan = accounts[1] as Address;
      const valid = buildWorkMetadata({
        name: "羌绣·无名 Qiang embroidery: untitled",
        description: "",
        i18n: { zh: { name: "羌绣·无名" } },
        creator: person("王阿妹"),
        dateCreated: "2024",
        content: await addWorkFile(),
      });
      // Valid JSON, not valid metadata: a month 13 and an empty technique.
      const badFields = new TextEncoder().encode(JSON.stringify({ ...valid, dateCreated: "2024-13", genre: "" }));
      const { cid: badFieldsCid } = await store.add([badFields], { mediaType: "application/json" });
      const badFieldsId = await register(artisan, valid.content.sha256, badFieldsCid);
      // Not JSON at all.
      const notJson = new TextEncoder().encode('{"name": "羌绣", ');
      const { cid: notJsonCid } = await store.add([notJson], { mediaType: "application/json" });
      const notJsonFile = await addWorkFile();
      const notJsonId = await register(artisan, notJsonFile.sha256, notJsonCid);
      await sync();

      const fetcher = new MetadataFetcher({ db, store, chainId: CHAIN_ID, retryMs: 50 });
      expect(await fetcher.runOnce()).to.deep.equal({ ok: 0, invalid: 2, unavailable: 0 });
      const bad = await rowOf(badFieldsId);
      expect([bad.metadata_status, bad.metadata_attempts, bad.retry_at, bad.name]).to.deep.equal([
        "invalid",
        1,
        null,
        null,
      ]);
      expect(bad.metadata_cid).to.equal(await chainCidOf(badFieldsId));
      expect(bad.metadata_error).to.be.a("string").and.include("/dateCreated").and.include("/genre");
      expect(bad.metadata_error).not.to.include("/name");
      const broken = await rowOf(notJsonId);
      expect([broken.metadata_status, broken.metadata_attempts, broken.retry_at]).to.deep.equal(["invalid", 1, null]);
      expect(broken.metadata_error).to.be.a("string").and.include("JSON");

      // Never retried, however long one waits.
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(await fetcher.runOnce()).to.deep.equal({ ok: 0, invalid: 0, unavailable: 0 });
      expect((await rowOf(badFieldsId)).metadata_attempts).to.equal(1);
      expect((await rowOf(notJsonId)).metadata_attempts).to.equal(1);
      expect((await search({ q: "无名" })).hits).to.deep.equal([]);

      // New metadata on chain gives the work another chance.
      const fixed = { ...valid, genre: "Qiang embroidery" };
      const fixedCid = await storeWorkMetadata(store, fixed);
      await send(artisan, "updateMetadata", [badFieldsId, cidToHex(fixedCid)]);
      await sync();
      expect(await drain(fetcher)).to.deep.equal({ ok: 1, invalid: 0, unavailable: 0 });
      await expectDenormalised(badFieldsId, fixedCid, fixed);
      expect(ids((await search({ q: "无名" })).hits)).to.deep.equal([badFieldsId.toString()]);
      expect((await rowOf(notJsonId)).metadata_status).to.equal("invalid");
    });

    it("never writes a document fetched for a CID the work no longer names", async () => {
      const w = registered.find((r) => r.key === "leather-saddle");
      if (!w) throw new Error("no leather work");
      const version = (label: string) =>
        buildWorkMetadata({
          ...w.metadata,
          name: `皮革艺术·马鞍 ${label} Leather art: saddle ${label}`,
          i18n: { zh: { name: `皮革艺术·马鞍 ${label}` }, en: { name: `Leather art: saddle ${label}` } },
        });
      const second = version("第二版 second");
      const third = version("第三版 third");
      const secondCid = await storeWorkMetadata(store, second);
      const thirdCid = await storeWorkMetadata(store, third);
      await send(w.creator, "updateMetadata", [w.workId, cidToHex(secondCid)]);
      await sync();
      expect((await rowOf(w.workId)).metadata_status).to.equal("pending");

      // The fetch of the second version is slow; meanwhile the holder moves on to a third.
      const slow = new HeldStore(store);
      const fetcher = new MetadataFetcher({ db, store: slow, chainId: CHAIN_ID });
      const round = fetcher.runOnce();
      for (let i = 0; slow.reads === 0 && i < 500; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(slow.reads).to.equal(1);
      await send(w.creator, "updateMetadata", [w.workId, cidToHex(thirdCid)]);
      await sync();
      slow.release();
      await round;
      const row = await rowOf(w.workId);
      expect(row.metadata_cid).to.equal(await chainCidOf(w.workId));
      expect(row.metadata_cid).to.equal(thirdCid);
      expect([row.metadata_status, row.metadata_attempts]).to.deep.equal(["pending", 0]);
      expect(row.name).not.to.equal(second.name);
      expect((await search({ q: "第二版" })).hits).to.deep.equal([]);

      expect(await drain(new MetadataFetcher({ db, store, chainId: CHAIN_ID }))).to.deep.equal({
        ok: 1,
        invalid: 0,
        unavailable: 0,
      });
      await expectDenormalised(w.workId, thirdCid, third);
      expect(ids((await search({ q: "第三版" })).hits)).to.deep.equal([w.workId.toString()]);
      w.cid = thirdCid;
      w.metadata = third;
    });

    it("marks a work unavailable when its document does not come within the timeout, and fetches it later", async () => {
      const metadata = buildWorkMetadata({
        name: "织锦·慢 Brocade weaving: slow",
        description: "",
        i18n: { zh: { name: "织锦·慢" }, en: { name: "Brocade weaving: slow" } },
        creator: person("田幺妹"),
        dateCreated: "2019",
        genre: "Weaving",
        content: await addWorkFile(),
      });
      const cid = await storeWorkMetadata(store, metadata);
      const workId = await register(accounts[1] as Address, metadata.content.sha256, cid);
      await sync();
      const slow = new HeldStore(store);
      const started = Date.now();
      const fetcher = new MetadataFetcher({ db, store: slow, chainId: CHAIN_ID, timeoutMs: 150, retryMs: 50 });
      expect(await fetcher.runOnce()).to.deep.equal({ ok: 0, invalid: 0, unavailable: 1 });
      expect(Date.now() - started).to.be.at.least(140);
      const row = await rowOf(workId);
      expect([row.metadata_status, row.metadata_attempts, row.name]).to.deep.equal(["unavailable", 1, null]);
      expect(row.retry_at).to.be.a("number");
      slow.release();
      await waitUntilDue(workId);
      expect(await new MetadataFetcher({ db, store, chainId: CHAIN_ID, retryMs: 50 }).runOnce()).to.deep.equal({
        ok: 1,
        invalid: 0,
        unavailable: 0,
      });
      await expectDenormalised(workId, cid, metadata);
    });

    it("follows new metadata on chain: pending again, then the new name is fetched and searched", async () => {
      const w = registered.find((r) => r.key === "lianghe-dragon");
      if (!w) throw new Error("no Lianghe work");
      const renamed = buildWorkMetadata({
        ...w.metadata,
        name: "梁河木雕·麒麟 Lianghe wood carving: qilin",
        i18n: { zh: { name: "梁河木雕·麒麟" }, en: { name: "Lianghe wood carving: qilin" } },
        description: "梁河手工木艺。A qilin carved in camphor.",
        keywords: ["木雕", "wood carving", "麒麟"],
      });
      const renamedCid = await storeWorkMetadata(store, renamed);
      expect(renamedCid).not.to.equal(w.cid);
      // The holder changes the metadata on chain.
      await send(w.creator, "updateMetadata", [w.workId, cidToHex(renamedCid)]);
      await sync();
      const pending = await rowOf(w.workId);
      expect(pending.metadata_cid).to.equal(await chainCidOf(w.workId));
      expect(pending.metadata_cid).to.equal(renamedCid);
      expect([pending.metadata_status, pending.metadata_attempts, pending.metadata_error]).to.deep.equal([
        "pending",
        0,
        null,
      ]);

      const fetcher = new MetadataFetcher({ db, store, chainId: CHAIN_ID });
      expect(await drain(fetcher)).to.deep.equal({ ok: 1, invalid: 0, unavailable: 0 });
      await expectDenormalised(w.workId, renamedCid, renamed);
      expect(ids((await search({ q: "麒麟" })).hits)).to.deep.equal([w.workId.toString()]);
      expect(ids((await search({ q: "qilin" })).hits)).to.deep.equal([w.workId.toString()]);
      expect((await search({ q: "dragon" })).hits).to.deep.equal([]);
      expect(ids((await search({ q: "木雕" })).hits)).to.deep.equal([w.workId.toString()]);
    });

    it("after a reorg drops a metadata change, the work's search fields are those of the metadata the chain names", async () => {
      const w = registered.find((r) => r.key === "qiang-sheep-horn");
      if (!w) throw new Error("no sheep-horn work");
      const orphan = buildWorkMetadata({
        ...w.metadata,
        name: "羌绣·孤块 Qiang embroidery: orphaned block",
        i18n: { zh: { name: "羌绣·孤块" }, en: { name: "Qiang embroidery: orphaned block" } },
        keywords: ["孤块", "orphan"],
      });
      const orphanCid = await storeWorkMetadata(store, orphan);
      const snapshot = await rpcCall<string>(anvil.url, "evm_snapshot");
      await send(w.creator, "updateMetadata", [w.workId, cidToHex(orphanCid)]);
      await sync();
      const fetcher = new MetadataFetcher({ db, store, chainId: CHAIN_ID });
      expect((await drain(fetcher)).ok).to.equal(1);
      await expectDenormalised(w.workId, orphanCid, orphan);
      expect(ids((await search({ q: "孤块" })).hits)).to.deep.equal([w.workId.toString()]);

      // The block with the change is dropped; the canonical chain goes on without it, past the old head.
      await rpcCall(anvil.url, "evm_revert", [snapshot]);
      for (let i = 0; i < 3; i++) {
        const file = await addWorkFile();
        const m = buildWorkMetadata({ ...w.metadata, content: file, name: `羌绣·新链 ${i}` });
        await register(accounts[3] as Address, file.sha256, await storeWorkMetadata(store, m));
      }
      await sync();
      await drain(fetcher);
      const row = await rowOf(w.workId);
      expect(row.metadata_cid).to.equal(await chainCidOf(w.workId));
      expect(row.metadata_cid).to.equal(w.cid);
      await expectDenormalised(w.workId, w.cid, w.metadata);
      expect((await search({ q: "孤块" })).hits).to.deep.equal([]);
    });

    it("keeps a work's fetched metadata when a later page changes the work on chain", async () => {
      // A new work, so that the page that registers it is the last the indexer synced (and it remembers that page's
      // rows); then the fetcher writes its metadata.
      const f = FIXTURES[0] as Fixture;
      const metadata = buildWorkMetadata({ ...f.metadata, content: await addWorkFile() });
      const creator = accounts[f.creator] as Address;
      const workId = await register(creator, metadata.content.sha256, await storeWorkMetadata(store, metadata));
      await sync();
      expect(await drain(new MetadataFetcher({ db, store, chainId: CHAIN_ID }))).to.deep.equal({
        ok: 1,
        invalid: 0,
        unavailable: 0,
      });
      const fetched = await rowOf(workId);
      expect(fetched.metadata_status).to.equal("ok");
      // Assigned away and back: each a page that rewrites the work's row, after the fetcher wrote its metadata.
      const other = accounts[9] as Address;
      for (const [from, to] of [
        [creator, other],
        [other, creator],
      ] as const) {
        await send(from, "assign", [to, workId, `0x${"ab".repeat(32)}`, "0x"]);
        await sync();
        const [{ owner }] = (await db.query<{ owner: string }>(
          "select owner from works where chain_id = $1 and work_id = $2",
          [CHAIN_ID, workId.toString()],
        )) as [{ owner: string }];
        expect(owner).to.equal(to.toLowerCase());
        expect(await rowOf(workId)).to.deep.equal(fetched);
      }
    });
  });
}
