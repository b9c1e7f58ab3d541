/**
 * The indexer as a separate process, for the crash tests: syncs to the chain head in small pages until it is done or
 * killed, printing `ready` once its database is open and `synced N` as it reaches block N. Arguments: RPC URL, PGlite
 * data directory or PostgreSQL URL, registry address, then optionally the ledger and exchange addresses and the start
 * block.
 */
import { openDatabase } from "../../server/db/database.ts";
import { migrate } from "../../server/db/migrate.ts";
import { Indexer } from "../../server/indexer/indexer.ts";
import { RpcClient } from "../../server/indexer/rpc.ts";

const [url, database, registry, ledger, exchange, startBlock] = process.argv.slice(2);
if (!url || !database || !registry) throw new Error("usage: sync-child.ts RPC_URL DB REGISTRY");
const db = await openDatabase(database.startsWith("postgres") ? { databaseUrl: database } : { dataDir: database });
await migrate(db);
process.stdout.write("ready\n");
const rpc = new RpcClient({ urls: [url] });
const indexer = new Indexer({
  db,
  rpc,
  chainId: 31337,
  registry: registry as `0x${string}`,
  ledger: ledger as `0x${string}` | undefined,
  exchange: exchange as `0x${string}` | undefined,
  startBlock: BigInt(startBlock ?? 0),
  ranges: { initialRange: 2n, maxRange: 2n, batchSize: 1 },
});
// Reports each block it has synced to as it commits, so that the test can kill it at a chosen point of the chain.
let reported: string | null = (await indexer.syncedBlock()).toString();
process.stdout.write(`synced ${reported}\n`);
const progress = setInterval(() => {
  const { syncedBlock } = indexer.status();
  if (syncedBlock === reported) return;
  reported = syncedBlock;
  if (syncedBlock !== null) process.stdout.write(`synced ${syncedBlock}\n`);
}, 1);
await indexer.syncTo(BigInt(await rpc.request<string>("eth_blockNumber")));
clearInterval(progress);
await db.close();
process.stdout.write("done\n");
