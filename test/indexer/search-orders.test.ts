// One-term searches over long posting lists, ranked from the term's ordered positions: every page in order, every
// match once, works written since the order was made and works written again included as they now are.
import { expect } from "chai";
import type { Database } from "../../server/db/database.ts";
import { migrate } from "../../server/db/migrate.ts";
import { searchWorks, type WorkHit } from "../../server/indexer/search.ts";
import { pgliteBackend } from "../db/backends.ts";

const ARTISAN = "0x00000000000000000000000000000000000000a1";
/** More works than a list ranked by a plain pass holds (`SCAN_ONLY`, 512). */
const WORKS = 1_500;

// The index is the same whatever the database; PGlite alone keeps the run short.
describe("one-term search over a long posting list (PGlite)", function () {
  this.timeout(120_000);
  let db: Database;

  /**
   * Works `from`..`to`: every one has the term 蓝染 (weighed more in the title of every third), the technique one of
   * three, registration times with ties (200 distinct) so ties fall to the id.
   */
  const write = (from: number, to: number, text = "蓝染 indigo cloth", t0 = 1_700_000_000, title = "蓝染") =>
    db.query(
      "insert into works (chain_id, work_id, content_hash, creator, owner, registered_at, recorded_at, " +
        "royalty_receiver, royalty_bps, metadata_cid, block_number, technique, name, search_text, search_rev) select " +
        "1, i, '0x', $1, $1, to_timestamp($4 + i % 200), to_timestamp($4 + i % 200), $1, 0, 'b', 1, " +
        "(array['Batik', 'Weaving', 'Leather art'])[1 + i % 3], case when i % 3 = 0 then $6 || ' ' || i else 'cloth ' " +
        "|| i end, $2, nextval('works_search_rev') from generate_series($3::int, $5::int) i on conflict (chain_id, " +
        "work_id) do update set search_text = excluded.search_text, name = excluded.name, search_rev = " +
        "excluded.search_rev",
      [ARTISAN, text, from, t0, to, title],
    );

  before(async () => {
    db = await pgliteBackend().open();
    await migrate(db);
    await write(1, WORKS);
  });
  after(async () => {
    await db?.close();
  });

  type Sort = "relevance" | "newest" | "oldest";
  /** Every page of a one-term search, limit 37. */
  const allPages = async (sort: Sort, technique?: string, between?: () => Promise<void>) => {
    const hits: WorkHit[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await searchWorks(db, {
        chainId: 1,
        q: "蓝染",
        sort,
        limit: 37,
        ...(technique ? { technique } : {}),
        ...(cursor ? { cursor } : {}),
      });
      hits.push(...page.hits);
      cursor = page.next ?? undefined;
      if (++pages === 3) await between?.();
    } while (cursor);
    return hits;
  };
  /** Negative when `a` must come before `b` in `sort`. */
  const compare = (sort: Sort, a: WorkHit, b: WorkHit) => {
    const sign = sort === "oldest" ? 1 : -1;
    if (a.score !== b.score) return b.score - a.score;
    if (a.registeredAt !== b.registeredAt) return sign * (a.registeredAt - b.registeredAt);
    return sign * (BigInt(a.workId) < BigInt(b.workId) ? -1 : 1);
  };
  const expectInOrder = (sort: Sort, hits: WorkHit[]) => {
    for (let i = 1; i < hits.length; i++) {
      expect(compare(sort, hits[i - 1] as WorkHit, hits[i] as WorkHit), `${sort}: hit ${i}`).to.be.lessThan(0);
    }
  };
  const ids = (hits: WorkHit[]) => hits.map((h) => Number(h.workId)).sort((a, b) => a - b);
  const range = (from: number, to: number, keep: (i: number) => boolean = () => true) =>
    Array.from({ length: to - from + 1 }, (_, i) => from + i).filter(keep);

  for (const sort of ["relevance", "newest", "oldest"] as const) {
    it(`gives every match once, in ${sort} order, page after page`, async () => {
      const hits = await allPages(sort);
      expectInOrder(sort, hits);
      expect(ids(hits)).to.deep.equal(range(1, WORKS));
      if (sort === "relevance") {
        // The term in the title weighs more: every third work first.
        const titled = hits.slice(0, WORKS / 3);
        expect(titled.every((h) => Number(h.workId) % 3 === 0)).to.equal(true);
      }
    });
  }

  it("keeps the filter's matches only, still in order", async () => {
    const hits = await allPages("relevance", "Weaving");
    expectInOrder("relevance", hits);
    expect(ids(hits)).to.deep.equal(range(1, WORKS, (i) => i % 3 === 1));
  });

  it("takes works written between pages: new ones after the cursor, rewritten ones as they now are", async () => {
    // Oldest first: 100 new works registered later than all come at the end (ranked from the list's tail, an order
    // made before them); 50 earlier works lose the term and never show.
    const hits = await allPages("oldest", undefined, async () => {
      await write(WORKS + 1, WORKS + 100, "蓝染 indigo cloth", 1_800_000_000);
      await write(1_101, 1_150, "plain cloth", 1_700_000_000, "plain");
    });
    expectInOrder("oldest", hits);
    expect(ids(hits)).to.deep.equal([...range(1, 1_100), ...range(1_151, WORKS + 100)]);
    expect(hits.slice(-100).map((h) => Number(h.workId))).to.have.members(range(WORKS + 1, WORKS + 100));
  });
});
