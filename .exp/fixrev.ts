import { openDatabase } from "../server/db/database.ts";
import { migrate } from "../server/db/migrate.ts";
const db = await openDatabase({ dataDir: "/work/bench-keep" });
await migrate(db);
console.log(await db.query("select count(*)::int as n, count(*) filter (where search_rev > 0)::int as revd from works"));
await db.query("update works set search_rev = nextval('works_search_rev') where search_text <> '' and search_rev = 0");
console.log(await db.query("select count(*) filter (where search_rev > 0)::int as revd from works"));
await db.close();
