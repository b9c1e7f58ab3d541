// The API benchmark's server process: the API on a built database and content store, as the server runs it.
import { buildApp } from "../../server/api/app.ts";
import { type Deployment, defaultApiOptions } from "../../server/api/deps.ts";
import { readConfig } from "../../server/config.ts";
import { EmbeddedContentStore } from "../../server/content/embedded-store.ts";
import { openDatabase } from "../../server/db/database.ts";
import { termIndexOf } from "../../server/indexer/search.ts";

/** What the benchmark passes in `argv[2]` (JSON): the database (a data directory or a URL), the store, the chain. */
export type ServeArgs = { dataDir?: string; databaseUrl?: string; storeDir: string; chain: Deployment };

const args = JSON.parse(process.argv[2] ?? "{}") as ServeArgs;
// The API's settings as `npm start -- --role api` has them by default (the database's page cache among them).
const config = readConfig(["--role", "api"], {});
const db = await openDatabase(
  args.databaseUrl ? { databaseUrl: args.databaseUrl } : { dataDir: args.dataDir as string, cacheMb: config.dbCacheMb },
);
const store = await EmbeddedContentStore.open({ dir: args.storeDir, maxFileSize: 1024 * 1024 * 1024 });
const app = await buildApp(
  { db, store, chain: args.chain },
  // One client (the load generator) sends every request: the per-IP rate limit would otherwise be what is measured.
  { ...defaultApiOptions, rateLimitPerMinute: 1_000_000_000 },
);
// As the server entry does: the search index is read before the first request.
await termIndexOf(db, args.chain.chainId).catchUp();
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === "object" && address ? address.port : 0 })}\n`);

const stop = async () => {
  await app.close();
  await store.close();
  await db.close();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
