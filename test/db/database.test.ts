/** The database layer on PGlite and PostgreSQL: migrations, transactions, pipelines, array literals, worker crashes. */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import pg from "pg";
import { crashWorkerForTests, type Database, openDatabase } from "../../server/db/database.ts";
import { deferIndexes, hasDeferredIndexes, restoreIndexes } from "../../server/db/indexes.ts";
import { loadMigrations, type Migration, migrate } from "../../server/db/migrate.ts";
import { pgliteOptions } from "../../server/db/pglite-options.js";
import { pgliteTemplate } from "../../server/db/pglite-template.ts";
import { Table } from "../../server/indexer/tables.ts";
import { adminQuery, adminUrl, pgliteBackend, postgresBackend } from "./backends.ts";

/** The database layer on both backends (see ./backends.ts). */

for (const make of [pgliteBackend, postgresBackend]) {
  const backend = make();
  describe(`database on ${backend.name}`, function () {
    this.timeout(60_000);
    let db: Database;

    before(async () => {
      db = await backend.open();
      await migrate(db);
    });

    after(async () => {
      await db?.close();
      await backend.cleanup();
    });

    it("applies every migration once, in order, and records it", async () => {
      const versions = (await loadMigrations()).map((m) => m.version);
      const rows = await db.query<{ version: number }>("select version from schema_migrations order by version");
      expect(rows.map((r) => r.version)).to.deep.equal(versions);
      expect(await migrate(db)).to.deep.equal([]);
    });

    it("keeps what it stored across a restart", async () => {
      await db.query(
        "insert into indexer_state (chain_id, synced_block, synced_hash) values ($1, $2, $3) " +
          "on conflict (chain_id) do update set synced_block = excluded.synced_block",
        [31337, 42, "0xabc"],
      );
      await db.close();
      db = await backend.open();
      expect(await migrate(db)).to.deep.equal([]);
      const [state] = await db.query<{ synced_block: string | number }>(
        "select synced_block from indexer_state where chain_id = 31337",
      );
      expect(String(state?.synced_block)).to.equal("42");
    });

    it("stores every uint256 exactly in numeric(78,0)", async () => {
      const max = (2n ** 256n - 1n).toString();
      await db.query(
        "insert into title_transfers (chain_id, block_number, log_index, tx_hash, work_id, from_address, " +
          "to_address, timestamp) values (1, 1, 0, '0x', $1, '0xa', '0xb', now())",
        [max],
      );
      const [row] = await db.query<{ work_id: string }>("select work_id::text as work_id from title_transfers");
      expect(row?.work_id).to.equal(max);
      await db.query("delete from title_transfers");
    });

    it("commits a transaction whole, or nothing when it throws", async () => {
      await db.transaction(async (tx) => {
        await tx.query("insert into indexer_pages values (7, 1, 1, '0x1')");
        await tx.query("insert into indexer_pages values (7, 2, 2, '0x2')");
      });
      try {
        await db.transaction(async (tx) => {
          await tx.query("insert into indexer_pages values (7, 3, 3, '0x3')");
          await tx.query("insert into indexer_pages values (7, 3, 3, '0x3')"); // duplicate key
        });
        expect.fail("the transaction committed");
      } catch (error) {
        expect(String(error)).to.match(/duplicate key/);
      }
      const rows = await db.query<{ number: string | number }>(
        "select to_block as number from indexer_pages where chain_id = 7 order by to_block",
      );
      expect(rows.map((r) => Number(r.number))).to.deep.equal([1, 2]);
    });

    it("writes and reads back any text and JSON through array literals, NULLs included", async () => {
      await db.exec(
        "create table literal_probe (id integer primary key, t text, j jsonb, n numeric(78, 0), b boolean)",
      );
      const table = new Table(
        "literal_probe",
        ["id"],
        [
          ["id", "int"],
          ["t", "text"],
          ["j", "jsonb"],
          ["n", "numeric"],
          ["b", "bool"],
        ],
      );
      const texts = [
        "",
        "NULL",
        "null",
        " padded ",
        'a "quoted" word',
        "back\\slash \\\\ two",
        "{braces},comma",
        "羌绣 云纹",
        "0xAbC",
      ];
      const rows: Record<string, unknown>[] = texts.map((t, id) => ({
        id,
        t,
        j: { t, list: [t, null], n: id },
        n: (2n ** 255n + BigInt(id)).toString(),
        b: id % 2 === 0,
      }));
      rows.push({ id: texts.length, t: null, j: null, n: null, b: null });
      await table.write(db, rows);
      const back = await db.query("select id, t, j, n::text as n, b from literal_probe order by id");
      expect(back).to.deep.equal(rows);
      // Columns with one value for every row (sent as one parameter), a NULL one among them, and a single row.
      const constant = [100, 101, 102].map((id) => ({ id, t: 'one "value"', j: { id }, n: "7", b: null }));
      await table.write(db, constant);
      await table.write(db, [{ id: 103, t: "alone", j: [], n: null, b: false }]);
      const more = await db.query("select id, t, j, n::text as n, b from literal_probe where id >= 100 order by id");
      expect(more).to.deep.equal([...constant, { id: 103, t: "alone", j: [], n: null, b: false }]);
      await db.exec("drop table literal_probe");
    });

    it("writes and reads back list columns of many rows, each its own array literal, and JSON sent as text", async () => {
      await db.exec("create table list_probe (id integer primary key, i integer[], t text[], j jsonb)");
      const table = new Table(
        "list_probe",
        ["id"],
        [
          ["id", "int"],
          ["i", "int[]"],
          ["t", "text[]"],
          ["j", "jsonText"],
        ],
      );
      const texts = ["Transfer", "NULL", "null", "", 'a "quoted" {word}', "back\\slash", "羌绣, 云纹", "0xAbC"];
      const rows = [
        { id: 1, i: [3, 1, 2], t: texts, j: '[{"a":"1","b":[null,"x \\"y\\""]},null,[]]' },
        { id: 2, i: [], t: [], j: "[]" },
        { id: 3, i: [7], t: ["one"], j: "null" },
      ];
      await table.write(db, rows);
      const back = await db.query<{ id: number; i: number[]; t: string[]; j: unknown }>(
        "select id, i, t, j from list_probe order by id",
      );
      expect(back.map((r) => r.id)).to.deep.equal([1, 2, 3]);
      expect(back.map((r) => r.i)).to.deep.equal(rows.map((r) => r.i));
      expect(back.map((r) => r.t)).to.deep.equal(rows.map((r) => r.t));
      // JSON texts are stored as JSON values, not as strings holding JSON.
      expect(back.map((r) => r.j)).to.deep.equal([[{ a: "1", b: [null, 'x "y"'] }, null, []], [], null]);
      await db.exec("drop table list_probe");
    });

    it("sets secondary indexes aside and builds them again from their definitions", async () => {
      const indexes = () =>
        db.query<{ indexname: string; indexdef: string }>(
          "select indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename in " +
            "('works', 'licence_grants') order by indexname",
        );
      const before = await indexes();
      const deferred = await db.transaction((tx) => deferIndexes(tx, ["works", "licence_grants"]));
      expect(deferred).to.include.members(["works_by_owner", "works_by_search_rev", "licence_grants_by_holder"]);
      const during = (await indexes()).map((i) => i.indexname);
      expect(during).to.have.members(["works_pkey", "licence_grants_pkey"]);
      expect(await hasDeferredIndexes(db)).to.equal(true);
      expect(await restoreIndexes(db)).to.deep.equal([...deferred].sort());
      expect(await indexes()).to.deep.equal(before);
      expect(await hasDeferredIndexes(db)).to.equal(false);
    });

    it("runs a pipeline's transactions in order, and none after one that fails", async () => {
      const insert = (block: number) => ({
        text: "insert into indexer_pages values (8, $1, $1, '0x')",
        params: [block],
      });
      const pipeline = db.pipeline();
      const sent = [
        pipeline.send([insert(1), insert(2)]),
        pipeline.send([insert(3), insert(2)]), // duplicate key: rolled back whole
        pipeline.send([insert(4)]),
      ];
      const outcomes = await Promise.allSettled(sent);
      expect(outcomes.map((o) => o.status)).to.deep.equal(["fulfilled", "rejected", "rejected"]);
      for (const outcome of outcomes.slice(1)) {
        const error = (outcome as PromiseRejectedResult).reason as Error & { code?: string };
        expect(error.message).to.match(/duplicate key/);
      }
      expect(((outcomes[1] as PromiseRejectedResult).reason as { code?: string }).code).to.equal("23505");
      const rows = await db.query<{ block: number }>(
        "select to_block::int as block from indexer_pages where chain_id = 8 order by to_block",
      );
      expect(rows.map((r) => r.block)).to.deep.equal([1, 2]);
      // A new pipeline starts clean.
      await db.pipeline().send([insert(5)]);
      const after = await db.query("select 1 from indexer_pages where chain_id = 8");
      expect(after).to.have.length(3);
    });

    it("prepares a statement again after the batch that first used it failed, and stores nothing of that batch", async () => {
      const row = (block: number, hash: string | null) => ({
        text: "insert into indexer_pages (chain_id, from_block, to_block, to_hash) values (9, $1, $1, $2)",
        params: [block, hash],
      });
      const other = (block: number) => ({
        text: "insert into indexer_pages (chain_id, from_block, to_block, to_hash) values (9, $1, $1, '0xother')",
        params: [block],
      });
      // The batch's first statement fails (a null hash), so Postgres never parses the new statement after it; the
      // batch is rolled back whole.
      const failed = await db
        .pipeline()
        .send([row(1, null), other(2)])
        .catch((error: unknown) => error as Error & { code?: string });
      expect((failed as { code?: string }).code).to.equal("23502");
      expect(await db.query("select 1 from indexer_pages where chain_id = 9")).to.have.length(0);
      // Both texts in a new pipeline, one twice in a batch, and again in the next batch.
      const pipeline = db.pipeline();
      await Promise.all([pipeline.send([other(2), row(1, "0xa"), other(3)]), pipeline.send([other(4)])]);
      const rows = await db.query<{ block: number; to_hash: string }>(
        "select to_block::int as block, to_hash from indexer_pages where chain_id = 9 order by to_block",
      );
      expect(rows).to.deep.equal([
        { block: 1, to_hash: "0xa" },
        { block: 2, to_hash: "0xother" },
        { block: 3, to_hash: "0xother" },
        { block: 4, to_hash: "0xother" },
      ]);
    });

    it("refuses a pipeline parameter that is not text, a number, a boolean or null, naming it, and runs nothing after", async () => {
      const insert = (hash: unknown) => ({
        text: "insert into indexer_pages (chain_id, from_block, to_block, to_hash) values (10, 1, 1, $1)",
        params: [hash],
      });
      const pipeline = db.pipeline();
      const outcomes = await Promise.allSettled([
        pipeline.send([insert({ hash: "0xa" })]),
        pipeline.send([insert("0xb")]),
      ]);
      expect(outcomes.map((o) => o.status)).to.deep.equal(["rejected", "rejected"]);
      for (const outcome of outcomes) {
        expect(((outcome as PromiseRejectedResult).reason as Error).message).to.match(
          /^parameter \$1 of a pipeline statement is not text, a number, a boolean or null \(object\): insert into indexer_pages/,
        );
      }
      expect(await db.query("select 1 from indexer_pages where chain_id = 10")).to.have.length(0);
    });
  });
}

describe("PostgreSQL connections", function () {
  this.timeout(60_000);
  const backend = postgresBackend();
  const database = backend.database as string;
  const backends = async () =>
    (
      await adminQuery<{ n: number }>("select count(*)::int as n from pg_stat_activity where datname = $1", [database])
    )[0]?.n;

  after(async () => {
    await backend.cleanup();
  });

  it("takes the server terminating its idle connections in its stride, and opens new ones", async () => {
    const db = await backend.open();
    try {
      await Promise.all([1, 2, 3].map((i) => db.query("select pg_sleep(0.05), $1::int as i", [i])));
      expect(await backends()).to.be.greaterThan(0);
      await adminQuery("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1", [database]);
      // Each idle connection receives the server's FATAL error before its backend exits; without a listener for it,
      // the pool would rethrow it as an uncaught exception, which fails this test.
      while ((await backends()) !== 0) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      expect(await db.query<{ n: number }>("select 7 as n")).to.deep.equal([{ n: 7 }]);
    } finally {
      await db.close();
    }
  });

  it("has closed every connection when close() returns", async () => {
    // An administrator's connection opened beforehand asks the server at once, with no connection set-up in between.
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      for (let round = 0; round < 10; round++) {
        const db = await backend.open();
        await Promise.all([1, 2, 3, 4].map((i) => db.query("select pg_sleep(0.02), $1::int as i", [i])));
        await db.close();
        const [row] = (
          await admin.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where datname = $1", [
            database,
          ])
        ).rows;
        expect(row?.n, `round ${round}`).to.equal(0);
      }
    } finally {
      await admin.end();
    }
  });
});

describe("new PGlite databases", function () {
  this.timeout(120_000);
  let dir: string;
  let savedTmpdir: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "titlechain-new-db-"));
    // Templates of our own: the machine's shared one is not damaged on purpose.
    savedTmpdir = process.env["TMPDIR"];
    process.env["TMPDIR"] = dir;
  });
  afterEach(async () => {
    if (savedTmpdir === undefined) delete process.env["TMPDIR"];
    else process.env["TMPDIR"] = savedTmpdir;
    await rm(dir, { recursive: true, force: true });
  });

  /** Opens the database in `data`, stores `value`, and reads back everything stored. */
  const storeIn = async (data: string, value: string) => {
    const db = await openDatabase({ dataDir: data });
    try {
      await db.exec("create table if not exists notes (v text)");
      await db.query("insert into notes values ($1)", [value]);
      return (await db.query<{ v: string }>("select v from notes order by v")).map((r) => r.v);
    } finally {
      await db.close();
    }
  };

  it("each start as a copy of one template, which is made again when its files were removed", async () => {
    expect(await storeIn(join(dir, "a"), "first")).to.deep.equal(["first"]);
    const template = await pgliteTemplate(pgliteOptions);
    expect(template.startsWith(dir)).to.equal(true);
    const manifest = JSON.parse(await readFile(join(template, "titlechain-template.json"), "utf8")) as {
      files: { path: string }[];
    };
    expect(manifest.files.map((f) => f.path)).to.include("PG_VERSION");
    // A temporary-file cleaner took some of the template's files.
    await rm(join(template, "global"), { recursive: true });
    expect(await storeIn(join(dir, "b"), "second")).to.deep.equal(["second"]);
    expect(existsSync(join(template, "global", "pg_control"))).to.equal(true);
    // The databases are independent of each other and of the template.
    expect(await storeIn(join(dir, "a"), "third")).to.deep.equal(["first", "third"]);
    expect(await readdir(dir)).to.have.members(["a", "b", basename(template)]);
  });

  it("refuses a database directory that holds something else, and leaves it as it was", async () => {
    await mkdir(join(dir, "c", "db"), { recursive: true });
    await writeFile(join(dir, "c", "db", "notes.txt"), "mine");
    try {
      await openDatabase({ dataDir: join(dir, "c") });
      expect.fail("opened a directory that is not a database");
    } catch (error) {
      expect((error as Error).message).to.equal(
        `${join(dir, "c", "db")} exists and is not a PGlite database (no PG_VERSION); move it away to start afresh`,
      );
    }
    expect(await readdir(join(dir, "c"))).to.deep.equal(["db"]);
    expect(await readdir(join(dir, "c", "db"))).to.deep.equal(["notes.txt"]);
  });

  it("removes the partial copy a process killed while making the database left, and nothing else", async () => {
    await mkdir(join(dir, "d", "db.new-0123abcd", "base"), { recursive: true });
    await writeFile(join(dir, "d", "db.new-0123abcd", "base", "1"), "half a database");
    await mkdir(join(dir, "d", "db.new-mine"));
    expect(await storeIn(join(dir, "d"), "made")).to.deep.equal(["made"]);
    expect((await readdir(join(dir, "d"))).sort()).to.deep.equal(["db", "db.new-mine"]);
  });

  it("opens with the page cache it is given, the same cluster with another the next time, 16 MB unless told", async () => {
    const cacheOf = async (cacheMb?: number) => {
      const db = await openDatabase({ dataDir: join(dir, "e"), ...(cacheMb === undefined ? {} : { cacheMb }) });
      try {
        return (await db.query<{ shared_buffers: string }>("show shared_buffers"))[0]?.shared_buffers;
      } finally {
        await db.close();
      }
    };
    expect([await cacheOf(48), await cacheOf(), await cacheOf(32)]).to.deep.equal(["48MB", "16MB", "32MB"]);
  });

  it("removes a temporary database's files when it is closed", async () => {
    const db = await openDatabase({});
    const made = (await readdir(dir)).filter((name) => name.startsWith("titlechain-db-"));
    expect(made).to.have.length(1);
    await db.query("select 1");
    await db.close();
    expect((await readdir(dir)).filter((name) => name.startsWith("titlechain-db-"))).to.deep.equal([]);
  });
});

describe("a PGlite worker that stops", function () {
  this.timeout(120_000);
  let dir: string;
  let db: Database;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "titlechain-crash-"));
    db = await openDatabase({ dataDir: dir });
    await db.exec("create table notes (v text primary key)");
    await db.query("insert into notes values ('committed')");
  });
  after(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const crash = () => (db as unknown as { [crashWorkerForTests]: () => Promise<number> })[crashWorkerForTests]();
  const notes = async () => (await db.query<{ v: string }>("select v from notes order by v")).map((r) => r.v);

  it("fails the statement it was running, and the next statement runs on a new worker with every commit kept", async () => {
    const running = db.query("select count(*) from generate_series(1, 200000000)");
    await new Promise((resolve) => setTimeout(resolve, 200));
    await crash();
    const error = await running.then(
      () => expect.fail("a statement outlived its worker"),
      (e: unknown) => e as Error,
    );
    expect(error.message).to.equal("the PGlite worker stopped (exit code 1)");
    expect(await notes()).to.deep.equal(["committed"]);
  });

  it("fails a transaction under way as a whole: nothing before the crash is kept, nothing after it runs", async () => {
    let queued: Promise<unknown> | undefined;
    const error = await db
      .transaction(async (tx) => {
        await tx.query("insert into notes values ('before the crash')");
        queued = db.query("insert into notes values ('queued behind the transaction')");
        await crash();
        await tx.query("insert into notes values ('after the crash')");
      })
      .then(
        () => expect.fail("the transaction went on after its worker stopped"),
        (e: unknown) => e as Error,
      );
    expect(error.message).to.match(/^the PGlite worker stopped during this transaction/);
    await queued;
    expect(await notes()).to.deep.equal(["committed", "queued behind the transaction"]);
  });

  it("fails a pipeline's later transactions once the worker it started on has stopped; a new pipeline runs", async () => {
    const insert = (v: string) => ({ text: "insert into notes values ($1)", params: [v] });
    const pipeline = db.pipeline();
    await pipeline.send([insert("pipeline 1")]);
    await crash();
    const error = await pipeline.send([insert("pipeline 2")]).then(
      () => expect.fail("a pipeline went on across workers"),
      (e: unknown) => e as Error,
    );
    expect(error.message).to.match(/^the PGlite worker stopped during this transaction/);
    await db.pipeline().send([insert("pipeline 3")]);
    expect(await notes()).to.deep.equal(["committed", "pipeline 1", "pipeline 3", "queued behind the transaction"]);
  });
});

describe("migrations on disk", () => {
  /** The migrations up to `version`: a test of one migration's data stops before migration 9 empties the mirror. */
  const upTo = (migrations: Migration[], version: number) => migrations.filter((m) => m.version <= version);

  /** A temporary database with the migrations up to `version` applied, and every migration (to apply the rest). */
  const migratedTo = async (version: number) => {
    const db = await openDatabase({});
    try {
      const migrations = await loadMigrations();
      await migrate(
        db,
        migrations.filter((m) => m.version <= version),
      );
      return { db, migrations };
    } catch (error) {
      await db.close();
      throw error;
    }
  };

  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "titlechain-migrations-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses a badly named file and a gap in the numbering, naming the file", async () => {
    const url = pathToFileURL(`${dir}/`);
    await writeFile(join(dir, "0001_first.sql"), "select 1;");
    await writeFile(join(dir, "0003_third.sql"), "select 1;");
    try {
      await loadMigrations(url);
      expect.fail("a gap was accepted");
    } catch (error) {
      expect((error as Error).message).to.equal("0003_third.sql: expected version 2");
    }
    await rm(join(dir, "0003_third.sql"));
    await writeFile(join(dir, "2_second.sql"), "select 1;");
    try {
      await loadMigrations(url);
      expect.fail("a bad name was accepted");
    } catch (error) {
      expect((error as Error).message).to.equal("2_second.sql: migration files are named NNNN_name.sql");
    }
  });

  it("builds deferred indexes again before a new migration, which may change them", async () => {
    const db = await openDatabase({});
    try {
      const migrations = await loadMigrations();
      await migrate(db, migrations);
      await db.transaction((tx) => deferIndexes(tx, ["works"]));
      const next = { version: migrations.length + 1, name: "next", sql: "drop index works_by_owner;" };
      expect(await migrate(db, [...migrations, next])).to.deep.equal([next.version]);
      const left = await db.query<{ indexname: string }>(
        "select indexname from pg_indexes where tablename = 'works' and indexname in ('works_by_owner', " +
          "'works_by_creator')",
      );
      expect(left.map((i) => i.indexname)).to.deep.equal(["works_by_creator"]);
      expect(await hasDeferredIndexes(db)).to.equal(false);
    } finally {
      await db.close();
    }
  });

  it("moves an event log of one row per event into its transactions, as JSON objects (5)", async () => {
    const { db, migrations } = await migratedTo(4);
    try {
      await db.exec(
        "insert into chain_transactions (chain_id, block_number, tx_index, tx_hash, block_hash) values " +
          "(1, 10, 0, '0xt0', '0xb10'), (1, 10, 2, '0xt2', '0xb10'), (1, 11, 0, '0xt3', '0xb11');" +
          "insert into chain_events (chain_id, block_number, log_index, tx_index, contract, name, args) values " +
          "(1, 10, 1, 0, '0xr', 'WorkRegistered', null), (1, 10, 0, 0, '0xr', 'Transfer', null), " +
          `(1, 10, 5, 2, '0xl', 'RoleGranted', to_jsonb('{"role":"0x01","account":"0xa"}'::text)), ` +
          `(1, 11, 0, 0, '0xr', 'Committed', '{"commitment":"0x02"}');`,
      );
      expect(
        await migrate(
          db,
          migrations.filter((m) => m.version <= 5),
        ),
      ).to.deep.equal([5]);
      const txs = await db.query(
        "select block_number::int as block, tx_index, log_indexes, names, args from chain_transactions order by 1, 2",
      );
      expect(txs).to.deep.equal([
        { block: 10, tx_index: 0, log_indexes: [0, 1], names: ["Transfer", "WorkRegistered"], args: [null, null] },
        {
          block: 10,
          tx_index: 2,
          log_indexes: [5],
          names: ["RoleGranted"],
          args: [{ role: "0x01", account: "0xa" }],
        },
        { block: 11, tx_index: 0, log_indexes: [0], names: ["Committed"], args: [{ commitment: "0x02" }] },
      ]);
      const events = await db.query(
        "select block_number::int as block, log_index, tx_index, contract, name, args, tx_hash from chain_event_log " +
          "order by block_number, log_index",
      );
      expect(events).to.deep.equal([
        { block: 10, log_index: 0, tx_index: 0, contract: "0xr", name: "Transfer", args: null, tx_hash: "0xt0" },
        { block: 10, log_index: 1, tx_index: 0, contract: "0xr", name: "WorkRegistered", args: null, tx_hash: "0xt0" },
        {
          block: 10,
          log_index: 5,
          tx_index: 2,
          contract: "0xl",
          name: "RoleGranted",
          args: { role: "0x01", account: "0xa" },
          tx_hash: "0xt2",
        },
        {
          block: 11,
          log_index: 0,
          tx_index: 0,
          contract: "0xr",
          name: "Committed",
          args: { commitment: "0x02" },
          tx_hash: "0xt3",
        },
      ]);
      const [count] = await db.query<{ n: number }>("select count(*)::int as n from chain_events");
      expect(count?.n).to.equal(4);
      // A transaction whose event arrays disagree in length is refused, and nothing of it is stored.
      const refused = await db
        .query(
          "insert into chain_transactions (chain_id, block_number, tx_index, tx_hash, block_hash, log_indexes, " +
            "contracts, names, args) values (1, 12, 0, '0xt4', '0xb12', '{0,1}', '{0xr,0xr}', '{Transfer}', " +
            "'[null,null]')",
        )
        .catch((error: unknown) => error);
      expect(String(refused)).to.match(/chain_transactions_events_aligned/);
      const [after] = await db.query<{ n: number }>("select count(*)::int as n from chain_transactions");
      expect(after?.n).to.equal(3);
    } finally {
      await db.close();
    }
  });

  it("gathers the undo rows of each page and table into one, with the keys it created and the rows as they were (7)", async () => {
    const { db, migrations } = await migratedTo(6);
    try {
      await db.exec(
        `insert into indexer_undo (chain_id, page_to, tbl, key, "row") values ` +
          `(1, 20, 'works', '{"chain_id":1,"work_id":"6"}', '{"chain_id":1,"work_id":"6","owner":"0xa"}'), ` +
          `(1, 20, 'works', '{"chain_id":1,"work_id":"5"}', null), ` +
          `(1, 20, 'licence_offers', '{"chain_id":1,"work_id":"5","offer_index":0}', null), ` +
          `(1, 21, 'works', '{"chain_id":1,"work_id":"6"}', '{"chain_id":1,"work_id":"6","owner":"0xb"}')`,
      );
      expect(
        await migrate(
          db,
          migrations.filter((m) => m.version <= 7),
        ),
      ).to.deep.equal([7]);
      const undo = await db.query(
        "select chain_id::int as chain, page_to::int as page, tbl, created, prior from indexer_undo order by 2, 3",
      );
      expect(undo).to.deep.equal([
        {
          chain: 1,
          page: 20,
          tbl: "licence_offers",
          created: [{ chain_id: 1, work_id: "5", offer_index: 0 }],
          prior: [],
        },
        {
          chain: 1,
          page: 20,
          tbl: "works",
          created: [{ chain_id: 1, work_id: "5" }],
          prior: [{ chain_id: 1, work_id: "6", owner: "0xa" }],
        },
        { chain: 1, page: 21, tbl: "works", created: [], prior: [{ chain_id: 1, work_id: "6", owner: "0xb" }] },
      ]);
      // One entry per page and table.
      const error = await db
        .query("insert into indexer_undo (chain_id, page_to, tbl, created, prior) values (1, 21, 'works', '[]', '[]')")
        .catch((e: unknown) => e as Error & { code?: string });
      expect((error as { code?: string }).code).to.equal("23505");
    } finally {
      await db.close();
    }
  });

  it("names each event's contract and name by its position in the transaction's distinct lists (6)", async () => {
    const { db, migrations } = await migratedTo(5);
    try {
      await db.exec(
        "insert into chain_transactions (chain_id, block_number, tx_index, tx_hash, block_hash, log_indexes, " +
          "contracts, names, args) values " +
          "(1, 10, 0, '0xt0', '0xb10', '{0,1,2,3}', '{0xr,0xr,0xl,0xr}', '{Transfer,WorkRegistered,OfferCreated,Transfer}', " +
          `'[null,null,null,null]'), (1, 11, 0, '0xt1', '0xb11', '{4}', '{0xl}', '{RoleGranted}', '[{"role":"0x01"}]'), ` +
          "(1, 12, 0, '0xt2', '0xb12', '{}', '{}', '{}', '[]')",
      );
      const before = await db.query("select * from chain_event_log order by block_number, log_index");
      expect(before).to.have.length(5);
      expect(await migrate(db, upTo(migrations, 8))).to.deep.equal(
        migrations.filter((m) => m.version >= 6 && m.version <= 8).map((m) => m.version),
      );
      const txs = await db.query(
        "select block_number::int as block, contracts, event_contracts, names, event_names from chain_transactions " +
          "order by 1",
      );
      expect(txs).to.deep.equal([
        {
          block: 10,
          contracts: ["0xr", "0xl"],
          event_contracts: [1, 1, 2, 1],
          names: ["Transfer", "WorkRegistered", "OfferCreated"],
          event_names: [1, 2, 3, 1],
        },
        { block: 11, contracts: ["0xl"], event_contracts: [1], names: ["RoleGranted"], event_names: [1] },
        { block: 12, contracts: [], event_contracts: [], names: [], event_names: [] },
      ]);
      // The event log reads exactly as before.
      expect(await db.query("select * from chain_event_log order by block_number, log_index")).to.deep.equal(before);
      // A position past its list, or events and positions of different lengths, are refused, and nothing is stored.
      for (const [contracts, positions, names] of [
        ["{0xr}", "{2}", "{1}"],
        ["{0xr}", "{0}", "{1}"],
        ["{0xr}", "{1,1}", "{1}"],
      ]) {
        const refused = await db
          .query(
            "insert into chain_transactions (chain_id, block_number, tx_index, tx_hash, block_hash, log_indexes, " +
              "contracts, event_contracts, names, event_names, args) values (1, 13, 0, '0xt3', '0xb13', '{0}', $1, $2, " +
              "'{Transfer}', $3, '[null]')",
            [contracts, positions, names],
          )
          .catch((error: unknown) => error);
        expect(String(refused), `${contracts} ${positions}`).to.match(/chain_transactions_events_aligned/);
      }
      const [count] = await db.query<{ n: number }>("select count(*)::int as n from chain_transactions");
      expect(count?.n).to.equal(3);
    } finally {
      await db.close();
    }
  });

  it("gives works their recording time, consent per pledge and counts, and brings pending undo rows along (8)", async () => {
    const { db, migrations } = await migratedTo(7);
    try {
      const t = 1_700_000_000;
      const day = 86_400;
      await db.exec(
        "insert into chain_transactions (chain_id, block_number, tx_index, tx_hash, block_hash, timestamp) values " +
          `(1, 10, 0, '0xt0', '0xb10', to_timestamp(${t})), (1, 20, 0, '0xt1', '0xb20', to_timestamp(${t + 3 * day + 100}));` +
          "insert into works (chain_id, work_id, content_hash, creator, owner, registered_at, royalty_receiver, " +
          "royalty_bps, metadata_cid, block_number, pledged, pledgee, licence_consent, pledges) values " +
          `(1, 1, '0x1', '0xa', '0xa', to_timestamp(${t}), '0xa', 0, 'b', 10, false, null, null, 0), ` +
          `(1, 2, '0x2', '0xa', '0xa', to_timestamp(${t}), '0xa', 0, 'b', 20, true, '0xp', '0xp', 2), ` +
          `(1, 3, '0x3', '0xa', '0xa', to_timestamp(${t}), '0xa', 0, 'b', 30, true, '0xp', '0xq', 1);` +
          "insert into bids (chain_id, work_id, bidder, currency, amount, expiry, placed_at) values " +
          "(1, 1, '0xb', '0x0', 5, 0, now());" +
          "insert into indexer_undo (chain_id, page_to, tbl, created, prior) values " +
          `(1, 20, 'works', '[]', '[{"chain_id":1,"work_id":"2","registered_at":${t},"pledged":true,"pledgee":"0xp",` +
          `"licence_consent":"0xp","pledges":1}]'), ` +
          `(1, 20, 'bids', '[]', '[{"chain_id":1,"work_id":"1","bidder":"0xb","amount":"4"}]')`,
      );
      expect(await migrate(db, upTo(migrations, 8))).to.deep.equal([8]);
      const works = await db.query(
        "select work_id::int as id, extract(epoch from recorded_at)::int as recorded, licence_consent_pledge as " +
          "consent, encumbrances, owes_royalties as owes from works order by 1",
      );
      expect(works).to.deep.equal([
        // Registered directly: recorded at its time.
        { id: 1, recorded: t, consent: 0, encumbrances: 0, owes: false },
        // Revealed three days and 100 s after its priority time: recorded four whole days later.
        { id: 2, recorded: t + 4 * day, consent: 2, encumbrances: 0, owes: false },
        // No transaction of its block mirrored: its own time; consented by another than its pledgee: none.
        { id: 3, recorded: t, consent: 0, encumbrances: 0, owes: false },
      ]);
      const [bid] = await db.query("select encumbrances from bids");
      expect(bid).to.deep.equal({ encumbrances: 0 });
      const undo = await db.query<{ tbl: string; prior: Record<string, unknown>[] }>(
        "select tbl, prior from indexer_undo order by tbl",
      );
      expect(undo).to.deep.equal([
        { tbl: "bids", prior: [{ chain_id: 1, work_id: "1", bidder: "0xb", amount: "4", encumbrances: 0 }] },
        {
          tbl: "works",
          prior: [
            {
              chain_id: 1,
              work_id: "2",
              registered_at: t,
              recorded_at: t + 4 * day,
              pledged: true,
              pledgee: "0xp",
              pledges: 1,
              licence_consent_pledge: 1,
              encumbrances: 0,
              owes_royalties: false,
            },
          ],
        },
      ]);
      // The new tables exist, keyed as the indexer writes them.
      for (const table of ["royalty_edges", "priority_claims"]) {
        const [exists] = await db.query<{ ok: boolean }>("select to_regclass($1) is not null as ok", [table]);
        expect(exists, table).to.deep.equal({ ok: true });
      }
    } finally {
      await db.close();
    }
  });

  it("empties the mirror for a resync from the chain, and finds each event's work by index (9)", async () => {
    const { db, migrations } = await migratedTo(8);
    try {
      await db.exec(
        "insert into chain_transactions (chain_id, block_number, tx_index, tx_hash, block_hash) values " +
          "(1, 10, 0, '0xt0', '0xb10');" +
          "insert into works (chain_id, work_id, content_hash, creator, owner, registered_at, recorded_at, " +
          "royalty_receiver, royalty_bps, metadata_cid, block_number) values " +
          "(1, 1, '0x1', '0xa', '0xa', now(), now(), '0xa', 0, 'b', 10);" +
          "insert into indexer_state (chain_id, synced_block) values (1, 10)",
      );
      expect(await migrate(db, upTo(migrations, 9))).to.deep.equal([9]);
      for (const table of ["chain_transactions", "works", "indexer_state"]) {
        const [row] = await db.query<{ n: number }>(`select count(*)::int as n from ${table}`);
        expect(row, table).to.deep.equal({ n: 0 });
      }
      await db.exec(
        "insert into chain_transactions (chain_id, block_number, tx_index, tx_hash, block_hash, log_indexes, " +
          "contracts, event_contracts, names, event_names, args, event_works) values (1, 10, 0, '0xt0', '0xb10', " +
          `'{3,4,5}', '{0xr}', '{1,1,1}', '{A,B}', '{1,2,2}', '[null, {"x": 1}, null]', '{7,NULL,8}')`,
      );
      const events = await db.query(
        "select log_index, name, work_id::int as work from chain_event_log where work_id = 8 or work_id is null " +
          "order by log_index",
      );
      expect(events).to.deep.equal([
        { log_index: 4, name: "B", work: null },
        { log_index: 5, name: "B", work: 8 },
      ]);
      const [found] = await db.query<{ n: number }>(
        "select count(*)::int as n from chain_transactions where event_works @> array[7::numeric]",
      );
      expect(found).to.deep.equal({ n: 1 });
      let refused: unknown;
      await db
        .exec(
          "insert into chain_transactions (chain_id, block_number, tx_index, tx_hash, block_hash, log_indexes, " +
            "contracts, event_contracts, names, event_names, args, event_works) values (1, 11, 0, '0xt1', '0xb11', " +
            "'{3}', '{0xr}', '{1}', '{A}', '{1}', '[null]', '{7,8}')",
        )
        .catch((error: unknown) => {
          refused = error;
        });
      expect(String(refused)).to.match(/chain_transactions_events_aligned/);
    } finally {
      await db.close();
    }
  });

  it("leaves the schema at the last whole version when a migration fails", async () => {
    const db = await openDatabase({});
    try {
      const migrations = [
        { version: 1, name: "ok", sql: "create table a (x int);" },
        { version: 2, name: "broken", sql: "create table b (x int); select * from missing_table;" },
      ];
      try {
        await migrate(db, migrations);
        expect.fail("a broken migration was applied");
      } catch (error) {
        expect(String(error)).to.match(/missing_table/);
      }
      const versions = await db.query<{ version: number }>("select version from schema_migrations");
      expect(versions.map((v) => v.version)).to.deep.equal([1]);
      const tables = await db.query("select 1 from information_schema.tables where table_name = 'b'");
      expect(tables).to.deep.equal([]);
    } finally {
      await db.close();
    }
  });
});
