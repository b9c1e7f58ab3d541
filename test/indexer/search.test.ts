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
            "royalty_receiver, royalty_bps, metadata_cid, block_number, technique, name, search_text) values " +
            "(1, $1, '0x', $2, $2, to_timestamp($3), to_timestamp($3), $2, 0, 'b', 1, $4, $5, $5)",
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
