// The near-duplicate query in SQL against core/phash.ts's own comparison, and the pairs stored as fingerprints arrive.
import { expect } from "chai";
import { type ImageFingerprint, nearDuplicates, SIMILAR_DISTANCE } from "../../core/phash.ts";
import { mulberry32 as random } from "../../scripts/random.ts";
import type { Database } from "../../server/db/database.ts";
import { migrate } from "../../server/db/migrate.ts";
import {
  MAX_NEAR_DUPLICATES,
  nearDuplicateWorks,
  recordFingerprint,
  storedNearDuplicates,
} from "../../server/indexer/near-duplicates.ts";
import { pgliteBackend, postgresBackend } from "../db/backends.ts";

const CHAIN = 31337;

function flip(next: () => number, hash: string, bits: number): string {
  let value = BigInt(`0x${hash}`);
  for (let b = 0; b < bits; b++) value ^= 1n << BigInt(Math.floor(next() * 64));
  return value.toString(16).padStart(16, "0");
}

/**
 * Fingerprints in families: a random pHash, copies of it a few bits off, and crop variants from very near to far (up
 * to 30 bits, wider than real crops), so that pairs are near through a variant alone, one way round or the other.
 */
function fingerprints(count: number, seed: number): ImageFingerprint[] {
  const next = random(seed);
  const out: ImageFingerprint[] = [];
  for (let i = 0; i < count; i++) {
    const base = out.length > 0 && next() < 0.5 ? (out[Math.floor(next() * out.length)] as ImageFingerprint) : null;
    const hash = base
      ? flip(
          next,
          next() < 0.5 ? base.hash : (base.variants[Math.floor(next() * 15)] as string),
          Math.floor(next() * 14),
        )
      : flip(next, "0".repeat(16), 64);
    const spread = 1 + Math.floor(next() * 30);
    out.push({ hash, variants: Array.from({ length: 15 }, () => flip(next, hash, Math.floor(next() * spread))) });
  }
  return out;
}

for (const make of [pgliteBackend, postgresBackend]) {
  const backend = make();
  describe(`near-duplicate images on ${backend.name}`, function () {
    this.timeout(120_000);
    let db: Database;
    const stored = fingerprints(400, 1);

    before(async () => {
      db = await backend.open();
      await migrate(db);
      for (const [i, f] of stored.entries())
        await db.transaction((tx) => recordFingerprint(tx, CHAIN, String(i + 1), f));
    });
    after(async () => {
      await db.close();
      await backend.cleanup();
    });

    it("finds exactly the works core/phash.ts finds, nearest first, for queries near and far", async () => {
      const candidates = stored.map((f, i) => ({ ...f, workId: String(i + 1) }));
      let found = 0;
      const next = random(2);
      const queries = Array.from({ length: 150 }, (): ImageFingerprint => {
        const base = stored[Math.floor(next() * stored.length)] as ImageFingerprint;
        const from = next() < 0.5 ? base.hash : (base.variants[Math.floor(next() * 15)] as string);
        const hash = next() < 0.2 ? flip(next, from, 64) : flip(next, from, Math.floor(next() * 16));
        const spread = 1 + Math.floor(next() * 30);
        return { hash, variants: Array.from({ length: 15 }, () => flip(next, hash, Math.floor(next() * spread))) };
      });
      for (const query of queries) {
        const expected = nearDuplicates(query, candidates, SIMILAR_DISTANCE)
          .sort((a, b) => a.distance - b.distance || (BigInt(a.workId) < BigInt(b.workId) ? -1 : 1))
          .slice(0, MAX_NEAR_DUPLICATES)
          .map((c) => ({ workId: c.workId, distance: c.distance }));
        expect(await nearDuplicateWorks(db, CHAIN, query)).to.deep.equal(expected);
        found += expected.length;
      }
      expect(found, "queries with near-duplicates").to.be.greaterThan(50);
    });

    it("stores each work's near-duplicates both ways round as fingerprints arrive", async () => {
      const byId = (a: { workId: string; distance: number }, b: { workId: string; distance: number }) =>
        a.distance - b.distance || (BigInt(a.workId) < BigInt(b.workId) ? -1 : 1);
      const expected = stored.map((f, i) =>
        nearDuplicates(
          f,
          stored.map((g, j) => ({ ...g, workId: String(j + 1) })).filter((_, j) => j !== i),
        )
          .map((c) => ({ workId: c.workId, distance: c.distance }))
          .sort(byId),
      );
      let whole = 0;
      for (const [i, near] of expected.entries()) {
        const rows = await db.query<{ other: string; distance: number }>(
          "select other_work_id::text as other, distance from near_duplicates where chain_id = $1 and work_id = $2 " +
            "order by distance, other_work_id",
          [CHAIN, String(i + 1)],
        );
        const pairs = rows.map((r) => ({ workId: r.other, distance: Number(r.distance) }));
        for (const pair of pairs) expect(near).to.deep.include(pair);
        // Each comparison keeps its nearest 20: where no work involved has more, every pair is there.
        const crowded = [near, ...near.map((n) => expected[Number(n.workId) - 1] ?? [])].some(
          (list) => list.length > MAX_NEAR_DUPLICATES,
        );
        if (!crowded) {
          expect(pairs).to.deep.equal(near);
          whole += near.length > 0 ? 1 : 0;
        }
      }
      expect(whole, "works with near-duplicates checked whole").to.be.greaterThan(30);
      expect(await storedNearDuplicates(db, CHAIN, "1")).to.deep.equal([]); // no work is mirrored here
    });
  });
}
