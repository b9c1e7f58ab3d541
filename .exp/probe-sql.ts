import { openDatabase } from "../server/db/database.ts";
const db = await openDatabase({ dataDir: "/work/bench-keep" });
const built = JSON.parse(await (await import("node:fs/promises")).readFile("/work/bench-keep/built.json", "utf8"));
const chainId = built.chain.chainId;
const ids = (await db.query<{ w: string }>("select work_id::text as w from works where chain_id = $1 limit 21 offset 5000", [chainId])).map((r) => r.w);
const ZERO = "0x0000000000000000000000000000000000000000";
const where = `chain_id = $1 and not disputed and (not pledged or licence_consent_pledge = pledges) and exists (select 1 from licence_offers o where o.chain_id = works.chain_id and o.work_id = works.work_id and o.status = 1 and (o.supply = 0 or o.sold < o.supply) and o.end_at > extract(epoch from now()) and o.moves = works.moves and (o.currency = '${ZERO}' or exists (select 1 from currencies c where c.chain_id = o.chain_id and c.source = 'ledger' and c.token = o.currency and c.allowed)))`;
const stmt = `select m.rev::text as rev, h.* from (select coalesce(max(search_rev), 0) as rev from works where chain_id = $1) m left join lateral (select work_id::text as work_id, name, creator, owner, technique, extract(epoch from registered_at)::bigint as t from works where ${where} and work_id = any($2::numeric[])) h on true`;
const plan = await db.query(`explain analyze ${stmt}`, [chainId, `{${ids.join(",")}}`]);
for (const r of plan) console.log(Object.values(r)[0]);
const plain = `select m.rev::text as rev, h.* from (select coalesce(max(search_rev), 0) as rev from works where chain_id = $1) m left join lateral (select work_id::text as work_id, name, creator, owner, technique, extract(epoch from registered_at)::bigint as t from works where chain_id = $1 and work_id = any($2::numeric[])) h on true`;
for (const [name, s] of [["licensable", stmt], ["plain", plain]]) {
  const t = performance.now();
  for (let i = 0; i < 200; i++) await db.query(s, [chainId, `{${ids.join(",")}}`]);
  console.log(name, ((performance.now() - t) / 200).toFixed(2), "ms");
}
await db.close();
