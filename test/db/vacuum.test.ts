// Vacuuming the embedded database once its writers have written enough rows, and leaving PostgreSQL to autovacuum.
import { expect } from "chai";
import type { Database } from "../../server/db/database.ts";
import { Vacuum } from "../../server/db/vacuum.ts";
import { pgliteBackend, postgresBackend } from "./backends.ts";

/** The planner's row count of `table` as the last vacuum or analyse left it (-1: never). */
async function plannerRows(db: Database, table: string): Promise<number> {
  const [row] = await db.query<{ n: string }>("select reltuples::text as n from pg_class where relname = $1", [table]);
  return Number(row?.n);
}

for (const make of [pgliteBackend, postgresBackend]) {
  const backend = make();
  describe(`the vacuum of the mirror (${backend.name})`, function () {
    this.timeout(60_000);
    let db: Database;

    before(async () => {
      db = await backend.open();
      await db.exec("create table vacuumed (id integer primary key, note text)");
    });

    after(async () => {
      await db?.close();
      await backend.cleanup();
    });

    it(
      backend.name === "PGlite"
        ? "vacuums and analyses once the rows written reach the threshold, and counts again from there"
        : "counts nothing and never vacuums: PostgreSQL's autovacuum does",
      async () => {
        const vacuum = new Vacuum(db, 300);
        await db.exec("insert into vacuumed select i, 'first' from generate_series(1, 200) i");
        vacuum.wrote(200);
        expect(await vacuum.whenDue()).to.equal(false);
        // (PostgreSQL's own autovacuum may analyse the table at any time.)
        if (backend.name === "PGlite") expect(await plannerRows(db, "vacuumed")).to.equal(-1);
        await db.exec("update vacuumed set note = 'second'");
        vacuum.wrote(200);
        if (backend.name !== "PGlite") {
          expect(vacuum.written).to.equal(0);
          expect(await vacuum.whenDue()).to.equal(false);
          return;
        }
        // Two writers caught up at once share one vacuum.
        const [a, b] = await Promise.all([vacuum.whenDue(), vacuum.whenDue()]);
        expect([a, b]).to.deep.equal([true, true]);
        expect(await plannerRows(db, "vacuumed")).to.equal(200);
        expect(vacuum.written).to.equal(0);
        expect(await vacuum.whenDue()).to.equal(false);
        await db.exec("insert into vacuumed select i, 'third' from generate_series(201, 500) i");
        vacuum.wrote(300);
        expect(await vacuum.whenDue()).to.equal(true);
        expect(await plannerRows(db, "vacuumed")).to.equal(500);
      },
    );
  });
}
