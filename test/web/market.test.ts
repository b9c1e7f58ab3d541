// The lineage graph, creator pages and the live market dashboard in Chromium, against the real server and demo market.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { expect } from "chai";
import type { Page } from "playwright-core";
import type { Hex } from "viem";
import { titlechainClient } from "../../client/index.ts";
import { sha256Of } from "../../core/verify.ts";
import { encodePng, generateDesign } from "../../scripts/designs.ts";
import type { Server } from "../stack/server.ts";
import {
  type Browser,
  gzippedBytes,
  journeyScreenshots,
  launchBrowser,
  type PageWatch,
  seriousViolations,
  watchedPage,
} from "./browser.ts";
import { type Demo, registerWork as registerDemoWork, startDemo } from "./demo.ts";

/** The demo's first work (a Qiang embroidery apron) and the brand's licensed adaptation of it (its derivative). */
const FIRST_DESIGN = encodePng(generateDesign(7_000, 192)).bytes;
const DERIVATIVE_DESIGN = encodePng(generateDesign(7_999, 192)).bytes;
const DERIVATIVE_NAME = "Qiang embroidery adapted for a brand";
const FIRST_PAGE_BUDGET = 300 * 1024;

/** What the page functions below use of a DOM element (a type only: this program has Node's types, not the DOM's). */
type Element = {
  getAttribute: (name: string) => string | null;
  querySelector: (selector: string) => { textContent: string | null } | null;
};

describe("lineage, creators and the market dashboard in Chromium, on the real server", function () {
  this.timeout(180_000);
  let server: Server;
  let browser: Browser;
  const firstId = sha256Of(FIRST_DESIGN);
  const derivativeId = sha256Of(DERIVATIVE_DESIGN);
  const api = () => titlechainClient(server.url);
  const watches: PageWatch[] = [];
  const figures: Record<string, number> = {};

  /**
   * A page of the app at `path`, its violations recorded for the last test. The dashboard holds its event stream
   * open, so the network is never idle there: it is opened when loaded.
   */
  const open = async (path: string, waitUntil: "networkidle" | "load" = "networkidle") => {
    const opened = await watchedPage(browser.context);
    watches.push(opened.watch);
    await opened.page.goto(`${server.url}${path}`, { waitUntil });
    return opened;
  };

  let demo: Demo;
  const waitFor: Demo["waitFor"] = (what, check, tries) => demo.waitFor(what, check, tries);

  /** Registers a new work as any user could, through the API and the chain; its id. */
  const registerWork = async (name: string): Promise<Hex> =>
    (
      await registerDemoWork(server, new TextEncoder().encode(`a live work ${randomBytes(8).toString("hex")}`), {
        name,
        description: "A work registered while the dashboard is open.",
        creator: [{ "@type": "Person", name: "A live test" }],
        genre: "Qiang embroidery",
      })
    ).id;

  const workOf = async (id: string) => {
    const { data } = await api().GET("/api/works/{workId}", { params: { path: { workId: id } } });
    if (!data) throw new Error(`no work ${id}`);
    return data;
  };

  before(async () => {
    const started = performance.now();
    demo = await startDemo("market");
    server = demo.server;
    await waitFor("51 indexed works", async () => {
      const { data } = await api().GET("/api/works", { params: { query: { limit: 100 } } });
      return (data?.works.length ?? 0) >= 51;
    });
    await waitFor("the derivative's metadata", async () => {
      const { data } = await api().GET("/api/works/{workId}", { params: { path: { workId: derivativeId } } });
      return data?.metadata.status === "ok";
    });
    browser = await launchBrowser();
    figures["setupSeconds"] = (performance.now() - started) / 1000;
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
    process.stdout.write(`      market figures: ${JSON.stringify(figures)}\n`);
  });

  it("answers the new pages' addresses with the app", async () => {
    for (const path of ["/market", `/creators/0x${"ab".repeat(20)}`]) {
      const page = await fetch(`${server.url}${path}`, { headers: { accept: "text/html" } });
      expect(page.status, path).to.equal(200);
      expect(page.headers.get("content-security-policy")).to.contain("trusted-types 'none'");
    }
  });

  it("still loads at most 300 KB of JavaScript (gzipped) for the first page", async () => {
    const { page, watch } = await open("/");
    await page.getByRole("heading", { name: "Search works", level: 1 }).waitFor();
    const bytes = await gzippedBytes(watch.scripts);
    figures["firstPageJsKB"] = Math.round(bytes / 102.4) / 10;
    expect(bytes).to.be.at.most(FIRST_PAGE_BUDGET);
    expect(watch.scripts.filter((s) => /MarketPage|CreatorPage/.test(s))).to.deep.equal([]);
    await page.close();
  });

  it("draws the demo's derivative in the work's lineage graph, and its boxes and list link to the works", async () => {
    const first = await workOf(firstId);
    expect(first.derivatives.map((d) => `0x${BigInt(d).toString(16).padStart(64, "0")}`)).to.include(derivativeId);
    const { page } = await open(`/works/${firstId}`);
    const graph = page.getByRole("group", { name: "Lineage of this work" });
    await graph.waitFor();
    // The drawing's description names the relation in words, for a screen reader.
    // The related works' names come with their own answers: the description is read once it names them.
    const description = async (text: string) => {
      await page.locator(".lineage-graph desc", { hasText: text }).waitFor({ state: "attached", timeout: 10_000 });
      return page.locator(".lineage-graph desc").textContent();
    };
    const derivedFrom = `Works derived from ${first.metadata.nameEn}: ${DERIVATIVE_NAME}.`;
    expect(await description(derivedFrom)).to.equal(derivedFrom);
    const node = page.locator(`.lineage-graph a[data-work="${derivativeId}"]`);
    expect(await node.locator("title").textContent()).to.equal(DERIVATIVE_NAME);
    expect(await page.locator(".lineage-node.current title").textContent()).to.equal(first.metadata.nameEn);
    const listed = page.locator(".lineage-lists").getByRole("link", { name: DERIVATIVE_NAME });
    expect(await listed.getAttribute("href")).to.equal(`/works/${derivativeId}`);

    // A click on the derivative's box opens its page, whose graph shows the work it derives from.
    await node.click();
    await page.waitForURL(`**/works/${derivativeId}`);
    await page.getByRole("heading", { level: 1, name: DERIVATIVE_NAME }).waitFor();
    const parent = page.locator(`.lineage-graph a[data-work="${firstId}"]`);
    await parent.waitFor();
    const derivedOf = `${DERIVATIVE_NAME} is derived from: ${first.metadata.nameEn}.`;
    expect(await description(derivedOf)).to.equal(derivedOf);
    // And the list's link goes back.
    await page
      .locator(".lineage-lists")
      .getByRole("link", { name: first.metadata.nameEn as string })
      .click();
    await page.waitForURL(`**/works/${firstId}`);
    await page.getByRole("heading", { level: 1, name: first.metadata.nameEn as string }).waitFor();
    await page.close();
  });

  it("shows a creator's profile, works, sales and licences, linked from works and cards, with an Atom feed of theirs", async () => {
    const first = await workOf(firstId);
    const creator = first.creator.toLowerCase();
    const { data: profile } = await api().GET("/api/profiles/{account}", { params: { path: { account: creator } } });
    const { data: works } = await api().GET("/api/works", { params: { query: { creator, limit: 100 } } });
    if (!profile || !works) throw new Error("no profile or works");

    // From a search card to the creator's page.
    const { page } = await open("/?q=羊角花");
    const card = page.locator(".card", { has: page.locator(`a[href="/works/${firstId}"]`) });
    await card.getByRole("link", { name: first.creator }).click();
    await page.waitForURL(`**/creators/${creator}`);
    await page.getByRole("heading", { level: 1, name: profile.profile?.nameEn as string }).waitFor();
    expect(await page.locator(".creator > dl.facts").innerText()).to.contain(profile.profile?.craft as string);

    // The works: the API's, newest first, 12 a page, then more.
    await page.locator("#portfolio ~ .cards li").first().waitFor();
    const shown = async () =>
      page
        .locator(".cards h3 a")
        .evaluateAll((links) => (links as unknown as Element[]).map((a) => a.getAttribute("href")));
    const ids = (n: number) =>
      works.works.slice(0, n).map((w) => `/works/0x${BigInt(w.workId).toString(16).padStart(64, "0")}`);
    expect(await shown()).to.deep.equal(ids(12));
    expect(works.works.length).to.equal(profile.worksCreated);
    if (works.works.length > 12) {
      await page.getByRole("button", { name: "Show more works" }).click();
      await waitFor("more works", async () => (await shown()).length === Math.min(24, works.works.length));
      expect(await shown()).to.deep.equal(ids(24));
    }

    // Sales and licences: the audit trail of the account, as the API gives it.
    const { data: audit } = await api().GET("/api/audit", {
      params: { query: { account: creator, kinds: "sale,licencePurchased,licenceRenewed", limit: 20 } },
    });
    expect(audit?.entries.length).to.be.greaterThan(0);
    await page.locator("table.audit tbody tr").first().waitFor();
    expect(await page.locator("table.audit tbody tr").count()).to.equal(audit?.entries.length);
    const { data: grants } = await api().GET("/api/accounts/{account}/licences", {
      params: { path: { account: creator } },
    });
    const licences = page.locator("section[aria-labelledby='licences-held']");
    if (grants?.grants.length === 0) await licences.getByText("This account holds no licences.").waitFor();
    else expect(await licences.locator("li").count()).to.equal(grants?.grants.length);

    // The feed: Atom of this creator's works only.
    const feed = page.getByRole("link", { name: "Follow this creator's new works (Atom feed)" });
    const href = (await feed.getAttribute("href")) as string;
    expect(href).to.equal(`/api/feeds/works.atom?creator=${creator}`);
    const response = await fetch(`${server.url}${href}`);
    expect(response.headers.get("content-type")).to.match(/^application\/atom\+xml/);
    const atom = await response.text();
    const authors = [...atom.matchAll(/<author>\s*<name>([^<]*)<\/name>/g)].map((m) => m[1]?.toLowerCase());
    expect(authors.length).to.equal(Math.min(50, works.works.length));
    expect(new Set(authors)).to.deep.equal(new Set([creator]));

    // The work page links its creator here too.
    await page.goto(`${server.url}/works/${firstId}`, { waitUntil: "networkidle" });
    expect(await page.locator(".facts").getByRole("link", { name: first.creator }).getAttribute("href")).to.equal(
      `/creators/${creator}`,
    );
    await page.close();
  });

  it("says so for an address that is not one, and for an account with nothing recorded", async () => {
    const { page } = await open("/creators/0x1234");
    await page.getByRole("heading", { level: 1, name: "This is not an account's address" }).waitFor();
    await page.goto(`${server.url}/creators/0x${"12".repeat(20)}`, { waitUntil: "networkidle" });
    await page.getByRole("heading", { level: 1, name: "Creator not found" }).waitFor();
    await page.close();
  });

  describe("the market dashboard", () => {
    type Bucket = { key: string; registrations: number; licences: number };
    const statsBy = async (by: "day" | "technique" | "region"): Promise<Bucket[]> => {
      const { data } = await api().GET("/api/stats", { params: { query: { by } } });
      if (!data) throw new Error(`no stats by ${by}`);
      return data.buckets;
    };
    const rows = (page: Page, by: string) =>
      page
        .locator(`section[data-by="${by}"] table.stats tbody tr`)
        .evaluateAll((trs) =>
          (trs as unknown as Element[]).map(
            (tr) =>
              `${tr.getAttribute("data-key")}:${tr.querySelector('[data-measure="registrations"]')?.textContent}:${tr.querySelector('[data-measure="licences"]')?.textContent}`,
          ),
        );
    const totalRegistrations = (page: Page) =>
      page
        .locator('section[data-by="day"] table.stats tfoot [data-measure="registrations"]')
        .innerText()
        .then((text) => Number(text.replace(/[^0-9]/g, "")));
    /** How many of the chart's canvas pixels are painted (uPlot draws bars, axes and grid on it). */
    const painted = (page: Page, by: string) =>
      page.locator(`section[data-by="${by}"] canvas`).evaluate((canvas) => {
        const c = canvas as unknown as {
          width: number;
          height: number;
          getContext: (kind: "2d") => { getImageData: (...a: number[]) => { data: Uint8ClampedArray } };
        };
        const pixels = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] as number) > 0) n++;
        return n;
      });

    it("draws its charts and tables from the stats, per day, technique and region, for each measure", async () => {
      const { page, watch } = await open("/market", "load");
      await page.getByRole("heading", { level: 1, name: "Market dashboard" }).waitFor();
      for (const by of ["day", "technique", "region"] as const) {
        const buckets = await statsBy(by);
        expect(buckets.length, by).to.be.greaterThan(0);
        await page.locator(`section[data-by="${by}"] table.stats tbody tr`).first().waitFor();
        expect(await rows(page, by)).to.deep.equal(buckets.map((b) => `${b.key}:${b.registrations}:${b.licences}`));
        const chart = page.locator(`section[data-by="${by}"] [role="img"]`);
        expect(await chart.getAttribute("aria-label")).to.match(/^Bar chart: Registrations, /);
        expect(Number(await chart.getAttribute("data-bars"))).to.equal(
          by === "day" ? buckets.length : Math.min(10, buckets.length),
        );
        expect(await painted(page, by)).to.be.greaterThan(500);
      }
      // Another measure: the address keeps it and the charts are drawn again.
      await page.getByLabel("Licences sold").check();
      await page.waitForURL(/show=licences/);
      await waitFor("the licences chart", async () =>
        /^Bar chart: Licences sold, Over time/.test(
          (await page.locator('section[data-by="day"] [role="img"]').getAttribute("aria-label")) ?? "",
        ),
      );
      expect(await painted(page, "technique")).to.be.greaterThan(500);
      figures["marketPageJsKB"] = Math.round((await gzippedBytes(watch.scripts)) / 102.4) / 10;
      figures["marketChunkJsKB"] =
        Math.round((await gzippedBytes(watch.scripts.filter((s) => /MarketPage/.test(s)))) / 102.4) / 10;
      await page.close();
    });

    it("shows a registration made while it is open, live, and counts it", async () => {
      const { page } = await open("/market", "load");
      await page.getByText("Connected: new registrations appear here").waitFor();
      await page.locator('section[data-by="day"] table.stats tfoot').waitFor();
      const before = await totalRegistrations(page);
      const name = `Live registration ${randomBytes(3).toString("hex")}`;
      const started = performance.now();
      const id = await registerWork(name);
      const arrival = page.locator(`.live-list li[data-work="${id}"]`);
      await arrival.waitFor({ timeout: 30_000 });
      figures["liveArrivalMs"] = Math.round(performance.now() - started);
      expect(await arrival.getByRole("link").getAttribute("href")).to.equal(`/works/${id}`);
      await waitFor("the new registration counted", async () => (await totalRegistrations(page)) === before + 1);
      await journeyScreenshots(page, "market-live-registration");
      await page.close();
    });
  });

  it("has no serious or critical accessibility violation on the new pages, at 375 and 1280 pixels wide", async () => {
    const first = await workOf(firstId);
    const pages: [string, (page: Page) => Promise<unknown>][] = [
      [`/works/${firstId}`, (p) => p.locator(".lineage-graph").waitFor()],
      [`/creators/${first.creator.toLowerCase()}`, (p) => p.locator("table.audit tbody tr").first().waitFor()],
      ["/market", (p) => p.locator('section[data-by="region"] canvas').waitFor()],
    ];
    const found: string[] = [];
    // TITLECHAIN_SCREENSHOTS=dir keeps the first screen of each page at each width there.
    const shots = process.env["TITLECHAIN_SCREENSHOTS"];
    const names = ["lineage", "lineage", "creator", "creator", "market", "market"];
    for (const [path, ready] of pages) {
      const { page } = await open(path, path === "/market" ? "load" : "networkidle");
      await ready(page);
      for (const width of [375, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        await page.waitForTimeout(100);
        for (const v of await seriousViolations(page)) found.push(`${path} at ${width}px: ${v}`);
        const overflow = await page.evaluate(() => {
          const w = globalThis as unknown as {
            innerWidth: number;
            document: { documentElement: { scrollWidth: number } };
          };
          return w.document.documentElement.scrollWidth - w.innerWidth;
        });
        if (shots)
          await page.screenshot({ path: join(shots, `${names.shift() ?? "page"}-${width}.png`), fullPage: true });
        expect(overflow, `${path} at ${width}px is ${overflow}px too wide`).to.be.at.most(0);
      }
      await page.close();
    }
    expect(found).to.deep.equal([]);
  });

  // Last (mocha runs a suite's own tests before its inner suites): every page opened above.
  describe("on every page opened", () => {
    it("raised no Content-Security-Policy violation and no script error", () => {
      expect(watches.length).to.be.at.least(9);
      expect(watches.flatMap((w) => w.violations)).to.deep.equal([]);
      expect(watches.flatMap((w) => w.errors)).to.deep.equal([]);
    });
  });
});
