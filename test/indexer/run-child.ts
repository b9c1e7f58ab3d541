/**
 * The realtime indexer as a separate process, for the kill tests: follows the chain with `Indexer.run` and heads pushed
 * over a WebSocket subscription until it is killed, or stopped with SIGTERM (then it exits 0 after closing cleanly).
 * Small pages (two blocks each, one range per batch) so that a kill can land between many commits.
 *
 * Arguments: RPC URL, WebSocket URL, PGlite data directory or PostgreSQL URL, registry, ledger, exchange, start block.
 * Prints "ready" once the database is migrated and the indexer starts, then "synced <block>" after each sync.
 */
import { openDatabase } from "../../server/db/database.ts";
import { migrate } from "../../server/db/migrate.ts";
import { Heads } from "../../server/indexer/heads.ts";
import { Indexer } from "../../server/indexer/indexer.ts";
import { RpcClient } from "../../server/indexer/rpc.ts";

const [url, wsUrl, database, registry, ledger, exchange, startBlock] = process.argv.slice(2);
if (!url || !wsUrl || !database || !registry || !ledger || !exchange || !startBlock) {
  throw new Error("usage: run-child.ts RPC_URL WS_URL DB REGISTRY LEDGER EXCHANGE START_BLOCK");
}
const db = await openDatabase(database.startsWith("postgres") ? { databaseUrl: database } : { dataDir: database });
await migrate(db);
const rpc = new RpcClient({ urls: [url] });
const indexer = new Indexer({
  db,
  rpc,
  chainId: 31337,
  registry: registry as `0x${string}`,
  ledger: ledger as `0x${string}`,
  exchange: exchange as `0x${string}`,
  startBlock: BigInt(startBlock),
  ranges: { initialRange: 2n, maxRange: 2n, batchSize: 1 },
});
const heads = new Heads({ rpc, wsUrl, pollIntervalMs: 1000 });
const controller = new AbortController();
process.once("SIGTERM", () => controller.abort());
process.stdout.write("ready\n");
await indexer.run(heads, controller.signal, (block) => {
  process.stdout.write(`synced ${block}\n`);
});
heads.close();
await db.close();
process.stdout.write("stopped\n");
process.exit(0);
