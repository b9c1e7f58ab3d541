import { openDatabase } from "../server/db/database.ts";
import { termIndexOf, searchWorks } from "../server/indexer/search.ts";
import { queryTerms } from "../server/indexer/search-terms.ts";
import { searchTerms, TECHNIQUES, REGIONS } from "../scripts/bench/api-corpus.ts";
const db = await openDatabase({ dataDir: "/work/bench-keep" });
const built = JSON.parse(await (await import("node:fs/promises")).readFile("/work/bench-keep/built.json", "utf8"));
const chainId = built.chain.chainId;
const index = termIndexOf(db, chainId);
const m0 = process.memoryUsage().heapUsed;
let t = performance.now();
await index.catchUp();
console.log("load", (performance.now() - t).toFixed(0), "ms", index.size, "works; heap +", ((process.memoryUsage().heapUsed - m0) / 1e6).toFixed(0), "MB");
const terms = searchTerms();
// in-memory only
t = performance.now();
let n = 0;
for (const q of terms) { index.top(queryTerms(q), "relevance", null, 21, () => true); n++; }
console.log("in-memory top", ((performance.now() - t) / n * 1000).toFixed(0), "µs/query avg over", n);
let worst = 0, worstQ = "";
for (const q of terms) { const s = performance.now(); index.top(queryTerms(q), "relevance", null, 21, (w) => w.region === "sichuan"); const d = performance.now() - s; if (d > worst) { worst = d; worstQ = q; } }
console.log("worst with region filter", worst.toFixed(2), "ms", worstQ);
// whole search sequential
const filters = [...TECHNIQUES.map(([, en]) => ({ technique: en })), ...REGIONS.map(([, en]) => ({ region: en })), { licensableNow: true }, { registeredFrom: 1577836800 }];
t = performance.now();
const per: Record<string, number[]> = {};
for (let i = 0; i < 400; i++) {
  const q = terms[i % terms.length]; const f = filters[i % filters.length];
  const s = performance.now();
  await searchWorks(db, { chainId, q, ...f } as never);
  (per[Object.keys(f)[0]] ??= []).push(performance.now() - s);
}
console.log("search sequential", ((performance.now() - t) / 400).toFixed(2), "ms avg");
for (const [k, v] of Object.entries(per)) console.log(" ", k, (v.reduce((a, b) => a + b, 0) / v.length).toFixed(2), "ms, max", Math.max(...v).toFixed(1));
await db.close();
