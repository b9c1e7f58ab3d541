/** Bilingual search of the mirrored works: queries, filters, keyset pages and refused input. */
import { expect } from "chai";
import type { Database } from "../../server/db/database.ts";
import { migrate } from "../../server/db/migrate.ts";
import { SearchError, searchWorks, type WorkHit } from "../../server/indexer/search.ts";
import { pgliteBackend, postgresBackend } from "../db/backends.ts";

const ARTISAN = "0x00000000000000000000000000000000000000a1";
const COOP = "0x00000000000000000000000000000000000000c2";

/** A bilingual fixture: [work id, creator, technique, registered at (Unix), search text]. */
const WORKS: [number, string, string, number, string][] = [
  [1, ARTISAN, "Qiang embroidery", 1_700_000_100, "羌绣 云纹 Qiang embroidery cloud pattern 茂县"],
  [2, ARTISAN, "Qiang embroidery", 1_700_000_200, "羌绣 羊角花 Qiang embroidery sheep-horn flower"],
  [3, COOP, "Lianghe wood carving", 1_700_000_300, "两河 木雕 Lianghe wood carving dragon"],
  [4, COOP, "Batik", 1_700_000_400, "蜡染 蓝花 Batik dyeing blue flowers 丹寨"],
  [5, ARTISAN, "Leather art", 1_700_000_500, "皮艺 Leather art saddle tooling"],
  [6, COOP, "Qiang embroidery", 1_700_000_600, "羌绣 挑花 Qiang cross-stitch embroidery apron"],
  [7, ARTISAN, "Weaving", 1_700_000_700, "织锦 Brocade weaving geometric"],
];

for (const make of [pgliteBackend, postgresBackend]) {
  const backend = make();
  describe(`work search (${backend.name})`, function () {
    this.timeout(60_000);
    let db: Database;

    before(async () => {
      db = await backend.open();
      await migrate(db);
      for (const [id, creator, technique, t, text] of WORKS) {
        await db.query(
          "insert into works (chain_id, work_id, content_hash, creator, owner, registered_at, recorded_at, " +
            "royalty_receiver, royalty_bps, metadata_cid, block_number, technique, name, search_text, search_rev) " +
            "values (1, $1, '0x', $2, $2, to_timestamp($3), to_timestamp($3), $2, 0, 'b', 1, $4, $5, $5, " +
            "nextval('works_search_rev'))",
          [id, creator, t, technique, text],
        );
      }
    });

    after(async () => {
      await db?.close();
      await backend.cleanup();
    });

    const ids = (hits: WorkHit[]) => hits.map((h) => h.workId);

    it("finds Chinese and English queries, best match first", async () => {
      expect(ids((await searchWorks(db, { chainId: 1, q: "羌绣" })).hits).sort()).to.deep.equal(["1", "2", "6"]);
      expect(ids((await searchWorks(db, { chainId: 1, q: "embroidery" })).hits).sort()).to.deep.equal(["1", "2", "6"]);
      expect(ids((await searchWorks(db, { chainId: 1, q: "木雕" })).hits)).to.deep.equal(["3"]);
      expect(ids((await searchWorks(db, { chainId: 1, q: "blue flowers" })).hits)).to.deep.equal(["4"]);
      expect(ids((await searchWorks(db, { chainId: 1, q: "silk" })).hits)).to.deep.equal([]);
      const ranked = (await searchWorks(db, { chainId: 1, q: "Qiang embroidery cloud" })).hits;
      expect(ranked[0]?.workId).to.equal("1");
      for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1]?.score).to.be.at.least(ranked[i]?.score ?? 0);
    });

    it("filters by creator, technique and registration time", async () => {
      expect(ids((await searchWorks(db, { chainId: 1, creator: COOP })).hits)).to.deep.equal(["6", "4", "3"]);
      expect(ids((await searchWorks(db, { chainId: 1, technique: "qiang EMBROIDERY" })).hits)).to.deep.equal([
        "6",
        "2",
        "1",
      ]);
      const window = { chainId: 1, registeredFrom: 1_700_000_200, registeredTo: 1_700_000_500 };
      expect(ids((await searchWorks(db, window)).hits)).to.deep.equal(["4", "3", "2"]);
      expect(ids((await searchWorks(db, { chainId: 1, q: "羌绣", creator: ARTISAN })).hits).sort()).to.deep.equal([
        "1",
        "2",
      ]);
      expect(ids((await searchWorks(db, { chainId: 2 })).hits)).to.deep.equal([]);
    });

    it("filters free-text matches in the term index exactly as the database filters works without text", async () => {
      const filters = [
        { creator: ARTISAN },
        { creator: COOP.toUpperCase().replace("0X", "0x") },
        { technique: "Qiang embroidery" },
        { technique: "QIANG EMBROIDERY" },
        { technique: "Silk weaving" },
        { region: "Sichuan" },
        { registeredFrom: 1_700_000_200 },
        { registeredTo: 1_700_000_200 },
        { registeredFrom: 1_700_000_200, registeredTo: 1_700_000_600, technique: "qiang embroidery" },
        { creator: ARTISAN, technique: "leather art" },
      ];
      const expected = { 羌绣: 3, embroidery: 3, "qiang embroidery": 3, art: 1, weaving: 1, "羌绣 云纹": 1 };
      for (const [q, count] of Object.entries(expected)) {
        const matches = ids((await searchWorks(db, { chainId: 1, q })).hits);
        expect(matches, q).to.have.length(count);
        for (const filter of filters) {
          const filtered = new Set(ids((await searchWorks(db, { chainId: 1, ...filter, limit: 100 })).hits));
          const both = ids((await searchWorks(db, { chainId: 1, q, ...filter })).hits);
          expect(both.sort(), `${q} ${JSON.stringify(filter)}`).to.deep.equal(
            matches.filter((id) => filtered.has(id)).sort(),
          );
        }
      }
    });

    it("pages with a stable cursor: no work repeated or skipped, even when newer works arrive between pages", async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await searchWorks(db, { chainId: 1, limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...ids(page.hits));
        cursor = page.next ?? undefined;
        pages++;
        if (pages === 2) {
          await db.query(
            "insert into works (chain_id, work_id, content_hash, creator, owner, registered_at, recorded_at, " +
              "royalty_receiver, royalty_bps, metadata_cid, block_number, search_text) values (1, 99, '0x', $1, $1, " +
              "to_timestamp(1700009999), to_timestamp(1700009999), $1, 0, 'b', 1, 'new')",
            [ARTISAN],
          );
        }
      } while (cursor);
      expect(seen).to.deep.equal(["7", "6", "5", "4", "3", "2", "1"]);
      expect(pages).to.equal(4);
      await db.query("delete from works where work_id = 99");
    });

    /** Writes a work's searchable text as the metadata fetcher does: with the next search revision. */
    const write = (id: number, text: string, parents: string[] = []) =>
      db.query(
        "insert into works (chain_id, work_id, content_hash, creator, owner, registered_at, recorded_at, " +
          "royalty_receiver, royalty_bps, metadata_cid, block_number, name, search_text, search_rev, parents) values " +
          "(1, $1, '0x', $2, $2, to_timestamp($4), to_timestamp($4), $2, 0, 'b', 1, $3, $3, " +
          "nextval('works_search_rev'), $5::jsonb) on conflict (chain_id, work_id) do update set search_text = " +
          "excluded.search_text, name = excluded.name, search_rev = excluded.search_rev",
        [id, ARTISAN, text, id, JSON.stringify(parents)],
      );

    it("finds a Chinese character alone, and nothing for punctuation alone", async () => {
      expect(ids((await searchWorks(db, { chainId: 1, q: "绣" })).hits).sort()).to.deep.equal(["1", "2", "6"]);
      expect(await searchWorks(db, { chainId: 1, q: "% · ！" })).to.deep.equal({ hits: [], next: null });
    });

    it("keeps the term index current: new text is found at once, old text is forgotten, a deleted work never shows", async () => {
      await searchWorks(db, { chainId: 1, q: "羌绣" });
      await write(1_700_001_000, "缂丝 kesi tapestry");
      expect(ids((await searchWorks(db, { chainId: 1, q: "kesi" })).hits)).to.deep.equal(["1700001000"]);
      await write(1_700_001_000, "漆器 lacquer box");
      expect(ids((await searchWorks(db, { chainId: 1, q: "kesi" })).hits)).to.deep.equal([]);
      expect(ids((await searchWorks(db, { chainId: 1, q: "漆器" })).hits)).to.deep.equal(["1700001000"]);
      await db.query("delete from works where work_id = 1700001000");
      expect(ids((await searchWorks(db, { chainId: 1, q: "lacquer" })).hits)).to.deep.equal([]);
    });

    it("ranks a term in the title above the same term deep in a longer text", async () => {
      await write(
        1_700_002_000,
        "苗绣 Miao embroidery: a long description of the collar, the stitches and the threads",
      );
      await db.query("update works set name = 'collar' where work_id = 1700002000");
      await write(1_700_002_001, "collar");
      const hits = (await searchWorks(db, { chainId: 1, q: "collar" })).hits;
      expect(ids(hits)).to.deep.equal(["1700002001", "1700002000"]);
      expect(hits[0]?.score).to.be.greaterThan(hits[1]?.score as number);
      expect(hits[0]?.score).to.be.at.most(1);
      await db.query("delete from works where work_id in (1700002000, 1700002001)");
    });

    it("confirms ranked matches against filters only the database knows, batch after batch, in order", async () => {
      // 300 matches, equally good; only the oldest two have a derivative, so the page is found in later batches.
      for (let i = 0; i < 300; i++) await write(1_700_100_000 + i, `common pattern ${i}`);
      await write(1_700_200_000, "child of two", ["1700100000", "1700100001"]);
      const query = { chainId: 1, q: "common pattern", hasDerivatives: true, limit: 1 } as const;
      const first = await searchWorks(db, query);
      expect(ids(first.hits)).to.deep.equal(["1700100001"]);
      const second = await searchWorks(db, { ...query, cursor: first.next as string });
      expect(ids(second.hits)).to.deep.equal(["1700100000"]);
      expect(second.next).to.equal(null);
      const all = await searchWorks(db, { chainId: 1, q: "common pattern", limit: 100 });
      expect(all.hits).to.have.length(100);
      expect(all.hits[0]?.workId).to.equal("1700100299");
      await db.query("delete from works where work_id >= 1700100000");
    });

    it("refuses bad input with the field at fault", async () => {
      const refused = async (search: Parameters<typeof searchWorks>[1], field: string) => {
        try {
          await searchWorks(db, search);
          expect.fail(`accepted ${JSON.stringify(search)}`);
        } catch (error) {
          expect(error).to.be.instanceOf(SearchError);
          expect((error as SearchError).field).to.equal(field);
        }
      };
      await refused({ chainId: 1, limit: 0 }, "limit");
      await refused({ chainId: 1, limit: 101 }, "limit");
      await refused({ chainId: 1, q: "   " }, "q");
      await refused({ chainId: 1, creator: "0x1234" }, "creator");
      await refused({ chainId: 1, cursor: "not-a-cursor" }, "cursor");
      await refused(
        { chainId: 1, cursor: Buffer.from('{"s":1,"t":1,"id":"1; drop table works"}').toString("base64url") },
        "cursor",
      );
    });
  });
}
