// `npm run bench:evidence [-- --json FILE]`: on the demonstration market, each work's evidence bundle (build time,
// size), its certificate PDF (time, size) and the bundle's verification against the local node (time).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { EvidenceBundle } from "../core/evidence/bundle.ts";
import { verifyEvidence } from "../core/evidence/verify.ts";
import { startEntry } from "./entry-process.ts";
import { startTestTsa } from "./local-tsa.ts";

const { values } = parseArgs({ options: { json: { type: "string" } } });
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const tsa = await startTestTsa("Bench TSA");
const dir = await mkdtemp(join(tmpdir(), "titlechain-bench-evidence-"));
const server = await startEntry(join(dir, "data"), ["--demo", "--tsa-url", tsa.url]);
try {
  for (let i = 0; !/the demonstration market is seeded|demo seeding failed/.test(server.stderr()); i++) {
    if (i > 6000) throw new Error("the demonstration market was not seeded in 10 minutes");
    await sleep(100);
  }
  if (/demo seeding failed/.test(server.stderr())) throw new Error(server.stderr().slice(-2000));
  const get = async (path: string) => fetch(`${server.url}${path}`);
  let works: { workId: string }[] = [];
  for (let i = 0, last = -1; i < 600; i++) {
    works = ((await (await get("/api/works?limit=100")).json()) as { works: { workId: string }[] }).works;
    if (works.length > 0 && works.length === last) break;
    last = works.length;
    await sleep(1000);
  }
  log(`${works.length} works; measuring one request at a time`);
  const rows: {
    build: number;
    size: number;
    events: number;
    verify: number;
    ok: boolean;
    pdf: number;
    pdfSize: number;
  }[] = [];
  for (const { workId } of works) {
    let t = performance.now();
    const res = await get(`/api/works/${workId}/evidence`);
    const text = await res.text();
    if (!res.ok) throw new Error(`evidence of ${workId}: ${res.status} ${text}`);
    const build = performance.now() - t;
    const bundle = JSON.parse(text) as EvidenceBundle;
    t = performance.now();
    const verdict = await verifyEvidence(bundle, { rpc: server.chainUrl, tsaRoots: [tsa.caPem] });
    const verify = performance.now() - t;
    t = performance.now();
    const pdf = await get(`/api/works/${workId}/certificate.pdf`);
    const pdfBytes = new Uint8Array(await pdf.arrayBuffer());
    if (!pdf.ok) throw new Error(`certificate of ${workId}: ${pdf.status}`);
    rows.push({
      build,
      size: Buffer.byteLength(text),
      events: bundle.manifest.events.length,
      verify,
      ok: verdict.ok,
      pdf: performance.now() - t,
      pdfSize: pdfBytes.length,
    });
  }
  const stats = (pick: (r: (typeof rows)[number]) => number) => {
    const sorted = rows.map(pick).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
    return {
      median: Math.round(at(0.5) * 10) / 10,
      p95: Math.round(at(0.95) * 10) / 10,
      max: Math.round(at(1) * 10) / 10,
    };
  };
  const result = {
    works: rows.length,
    verifiedOk: rows.filter((r) => r.ok).length,
    eventsPerBundle: stats((r) => r.events),
    bundleBuildMs: stats((r) => r.build),
    bundleKB: stats((r) => r.size / 1024),
    certificateMs: stats((r) => r.pdf),
    certificateKB: stats((r) => r.pdfSize / 1024),
    verifyMs: stats((r) => r.verify),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (values.json) await writeFile(values.json, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await server.stop();
  await tsa.close();
  await rm(dir, { recursive: true, force: true });
}
