// `npm start -- --demo` on a fresh data directory: a living market of craft works, seeded once.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { type Server, startServer } from "./server.ts";

describe("npm start -- --demo", function () {
  this.timeout(300_000);
  let dir: string;
  let server: Server | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "titlechain-demo-"));
  });

  after(async () => {
    server?.process.kill("SIGTERM");
    await server?.exit;
    await rm(dir, { recursive: true, force: true });
  });

  const get = async <T>(path: string): Promise<T> => (await (await fetch(`${server?.url}${path}`)).json()) as T;
  const seeded = async (s: Server) => {
    for (let i = 0; i < 2400 && !/the demonstration market is seeded|demo seeding failed/.test(s.stderr()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(s.stderr(), s.stderr().slice(-3000)).to.match(/the demonstration market is seeded/);
  };
  const indexed = async (count: number) => {
    for (let i = 0; i < 300; i++) {
      const { works } = await get<{ works: unknown[] }>("/api/works?limit=100");
      if (works.length >= count) return works.length;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("the demonstration works were not all indexed");
  };

  it("seeds works, creators, licences, a split, a deed, a derivative, a pledge, a dispute, a sale and a batch", async () => {
    server = await startServer(join(dir, "data"), ["--demo"]);
    await seeded(server);
    expect(await indexed(51)).to.equal(51);
    const { entries } = await get<{ entries: { kind: string }[] }>("/api/audit?limit=1000");
    const kinds = new Set(entries.map((e) => e.kind));
    for (const kind of [
      "registration",
      "licencePurchased",
      "licenceRenewed",
      "assignmentDeed",
      "pledge",
      "disputeFlagged",
      "sale",
    ]) {
      expect(kinds, kind).to.include(kind);
    }
    const qiang = await get<{ works: { workId: string; name: string }[] }>(
      `/api/works?q=${encodeURIComponent("羌绣")}&limit=100`,
    );
    expect(qiang.works.length).to.be.at.least(10);
    const details = await Promise.all(
      qiang.works.map((w) => get<{ parents: string[]; offers: { kind: string }[] }>(`/api/works/${w.workId}`)),
    );
    expect(
      details.some((d) => d.parents.length > 0),
      "a derivative of a Qiang embroidery",
    ).to.equal(true);
    const all = await get<{ works: { workId: string; creator: string }[] }>("/api/works?limit=100");
    const kindsOffered = new Set<string>();
    for (const w of all.works) {
      for (const o of (await get<{ offers: { kind: string }[] }>(`/api/works/${w.workId}`)).offers)
        kindsOffered.add(o.kind);
    }
    expect([...kindsOffered].sort()).to.deep.equal(["exclusive", "nonExclusive", "sole"]);
    const profiles = await Promise.all(
      [...new Set(all.works.map((w) => w.creator))].map((a) => get<{ profile: unknown }>(`/api/profiles/${a}`)),
    );
    expect(profiles.filter((p) => p.profile !== null).length).to.be.at.least(5);
  });

  it("seeds nothing again when the data directory already has works", async () => {
    server?.process.kill("SIGTERM");
    await server?.exit;
    server = await startServer(join(dir, "data"), ["--demo"]);
    for (let i = 0; i < 600 && !/seeding failed|the demonstration market is seeded/.test(server.stderr()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(server.stderr()).to.match(/already has works: nothing seeded/);
    expect(await indexed(51)).to.equal(51);
  });
});
