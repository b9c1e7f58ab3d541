// The web front end in Chromium against the real server (anvil, PGlite, content store, the demo market): no mocks.
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Page } from "playwright-core";
import type { Hex } from "viem";
import { titlechainClient } from "../../client/index.ts";
import { sha256Of } from "../../core/verify.ts";
import { encodePng, generateDesign } from "../../scripts/designs.ts";
import { startTestTsa, type TestTsa } from "../../scripts/local-tsa.ts";
import en from "../../web/src/i18n/en.json" with { type: "json" };
import zh from "../../web/src/i18n/zh.json" with { type: "json" };
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
import { type Demo, registerWork, startDemo } from "./demo.ts";

/** The demo's first work (a Qiang embroidery apron with offers and a derivative) and a design of its private batch. */
const FIRST_DESIGN = encodePng(generateDesign(7_000, 192)).bytes;
const BATCH_DESIGN = encodePng(generateDesign(8_000, 192)).bytes;
const HOSTILE_NAME = `<script>window.__pwned = "name"</script>Hostile title`;
const HOSTILE_DESCRIPTION = `<img src=x onerror="window.__pwned = 'description'"> and <b>bold</b>`;
const FIRST_PAGE_BUDGET = 300 * 1024;

/** The English catalogue's sentences of two words or more that the Chinese one does not share, without placeholders. */
function englishSentences(): string[] {
  const flat = (o: object): string[] =>
    Object.values(o).flatMap((v) => (typeof v === "string" ? [v] : flat(v as object)));
  const chinese = new Set(flat(zh));
  return flat(en).filter((v) => !v.includes("{{") && /\w+ \w+/.test(v) && !chinese.has(v));
}

describe("the web front end in Chromium, on the real server", function () {
  this.timeout(180_000);
  let dir: string;
  let tsa: TestTsa;
  let server: Server;
  let browser: Browser;
  let hostileId: Hex;
  const firstId = sha256Of(FIRST_DESIGN);
  const batchId = sha256Of(BATCH_DESIGN);
  const api = () => titlechainClient(server.url);
  const watches: PageWatch[] = [];
  const figures: Record<string, number> = {};

  /** A page of the app, opened at `path` once the network is quiet, its violations recorded for the last test. */
  const open = async (path: string): Promise<{ page: Page; watch: PageWatch }> => {
    const opened = await watchedPage(browser.context);
    watches.push(opened.watch);
    await opened.page.goto(`${server.url}${path}`, { waitUntil: "networkidle" });
    return opened;
  };

  let demo: Demo;
  const waitFor: Demo["waitFor"] = (what, check, tries) => demo.waitFor(what, check, tries);

  /** Registers a work whose metadata is markup and script, as any user could, through the API and the chain. */
  const registerHostileWork = async (): Promise<Hex> => {
    const { id } = await registerWork(
      server,
      new TextEncoder().encode(`a hostile work ${randomBytes(8).toString("hex")}`),
      {
        name: HOSTILE_NAME,
        description: HOSTILE_DESCRIPTION,
        i18n: { en: { name: HOSTILE_NAME }, zh: { name: HOSTILE_NAME } },
        creator: [{ "@type": "Person", name: `<img src=x onerror="window.__pwned = 'creator'">` }],
        dateCreated: "2024",
        genre: `<svg onload="window.__pwned = 'genre'">`,
      },
    );
    await waitFor("the hostile work's metadata", async () => {
      const { data } = await api().GET("/api/works/{workId}", { params: { path: { workId: id } } });
      return data?.metadata.status === "ok";
    });
    return id;
  };

  before(async () => {
    const started = performance.now();
    tsa = await startTestTsa("Web test TSA");
    demo = await startDemo("web", ["--tsa-url", tsa.url]);
    ({ server, dir } = demo);
    await waitFor("51 indexed works", async () => {
      const { data } = await api().GET("/api/works", { params: { query: { limit: 100 } } });
      return (data?.works.length ?? 0) >= 51;
    });
    hostileId = await registerHostileWork();
    browser = await launchBrowser();
    figures["setupSeconds"] = (performance.now() - started) / 1000;
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
    await tsa?.close();
    process.stdout.write(`      web figures: ${JSON.stringify(figures)}\n`);
  });

  describe("served by the server", () => {
    it("answers pages with the app under a strict policy, and caches hashed assets for a year", async () => {
      const page = await fetch(`${server.url}/verify/${firstId}`, { headers: { accept: "text/html" } });
      expect(page.status).to.equal(200);
      expect(page.headers.get("cache-control")).to.equal("no-cache");
      const policy = page.headers.get("content-security-policy") ?? "";
      expect(policy).to.contain("script-src 'self'");
      expect(policy).to.not.contain("unsafe");
      expect(policy).to.match(/connect-src 'self' http:\/\/127\.0\.0\.1:\d+;/);
      const html = await page.text();
      expect(html).to.contain(`<meta name="titlechain-chain-rpc" content="${server.chainUrl}" />`);
      const script = /<script type="module" crossorigin src="([^"]+)"/.exec(html)?.[1] as string;
      const asset = await fetch(`${server.url}${script}`, { headers: { "accept-encoding": "br" } });
      expect(asset.status).to.equal(200);
      expect(asset.headers.get("cache-control")).to.equal("public, max-age=31536000, immutable");
      expect(asset.headers.get("content-type")).to.match(/^text\/javascript/);
      const etag = asset.headers.get("etag") as string;
      const again = await fetch(`${server.url}${script}`, { headers: { "if-none-match": etag } });
      expect(again.status).to.equal(304);
    });

    it("keeps the API's, the gateway's and the health routes' own answers", async () => {
      const missing = await fetch(`${server.url}/api/nothing-here`, { headers: { accept: "text/html" } });
      expect(missing.status).to.equal(404);
      expect(missing.headers.get("content-type")).to.match(/application\/problem\+json/);
      expect((await fetch(`${server.url}/health`)).headers.get("content-type")).to.match(/json/);
      expect((await fetch(`${server.url}/assets/missing.js`)).status).to.equal(404);
      const unknown = await fetch(`${server.url}/no/such/page`, { headers: { accept: "text/html" } });
      expect(unknown.status).to.equal(404);
      expect(unknown.headers.get("content-type")).to.match(/text\/html/);
    });
  });

  it("loads at most 300 KB of JavaScript (gzipped) for the first page", async () => {
    const { page, watch } = await open("/");
    await page.getByRole("heading", { name: "Search works", level: 1 }).waitFor();
    const bytes = await gzippedBytes(watch.scripts);
    figures["firstPageJsKB"] = Math.round(bytes / 102.4) / 10;
    expect(bytes).to.be.at.most(FIRST_PAGE_BUDGET);
    await page.close();
  });

  it("finds a seeded work by a Chinese term and by an English term, with filters and more results", async () => {
    const { page } = await open("/");
    const query = page.getByLabel("Words to search for");
    await query.fill("羊角花");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const first = page.locator(`a[href="/works/${firstId}"]`);
    await first.waitFor();
    expect(await first.innerText()).to.contain("羌绣·羊角花围腰");
    expect(new URL(page.url()).searchParams.get("q")).to.equal("羊角花");

    await query.fill("peacock");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByText("Lianghe wood carving: peacock").first().waitFor();
    const titles = await page.locator(".cards h3").allInnerTexts();
    expect(titles.length).to.be.greaterThan(0);
    for (const title of titles) expect(title).to.match(/peacock|孔雀/);

    await query.fill("");
    await page.getByLabel("Technique").selectOption("Qiang embroidery");
    await page.getByLabel("Only works that can be licensed now").check();
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.waitForURL(/technique=Qiang/);
    await page.locator(".cards li").first().waitFor();
    const { data } = await api().GET("/api/works", {
      params: { query: { technique: "Qiang embroidery", licensableNow: true, limit: 100 } },
    });
    await waitFor("the filtered results", async () => (await page.locator(".cards li").count()) === data?.works.length);

    await page.goto(`${server.url}/`, { waitUntil: "networkidle" });
    await page.locator(".cards li").nth(19).waitFor();
    expect(await page.locator(".cards li").count()).to.equal(20);
    await page.getByRole("button", { name: "Show more works" }).click();
    await page.locator(".cards li").nth(39).waitFor();
    const ids = await page.locator(".cards h3 a").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
    expect(new Set(ids).size).to.equal(ids.length);
    await page.close();
  });

  it("can be used with the keyboard alone, the focus always visible", async () => {
    const { page } = await open("/");
    const focused = () =>
      page.evaluate(() => {
        const d = (globalThis as unknown as { document: { activeElement: unknown } }).document;
        const e = d.activeElement as { tagName: string; textContent: string; getAttribute: (n: string) => string };
        const style = (
          globalThis as unknown as { getComputedStyle: (e: unknown) => { outlineStyle: string; outlineWidth: string } }
        ).getComputedStyle(e);
        return { tag: e.tagName, text: e.textContent, type: e.getAttribute("type"), outline: style.outlineStyle };
      });
    await page.keyboard.press("Tab");
    expect(await focused()).to.deep.include({ tag: "A", text: "Skip to the content", outline: "solid" });
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press("Tab");
      const now = await focused();
      expect(now.outline, JSON.stringify(now)).to.equal("solid");
      reached = now.type === "search";
    }
    expect(reached, "the search field is reached by Tab").to.equal(true);
    await page.keyboard.type("羊角花");
    await page.keyboard.press("Enter");
    await page.locator(`a[href="/works/${firstId}"]`).waitFor();
    await page.close();
  });

  it("shows a work's title, its offers in the words of each language and its provenance timeline", async () => {
    const { data: work } = await api().GET("/api/works/{workId}", { params: { path: { workId: firstId } } });
    const { data: title } = await api().GET("/api/works/{workId}/title", { params: { path: { workId: firstId } } });
    const offer = work?.offers[0];
    if (!work || !title || !offer) throw new Error("the first work, its title or its offer is missing");
    const { page } = await open(`/works/${firstId}`);
    const heading = page.getByRole("heading", { level: 1 });
    await heading.waitFor();
    expect(await heading.innerText()).to.equal(work.metadata.nameEn);
    expect(await page.locator(".offers").innerText()).to.contain(offer.words.en);
    const entries = page.locator(".timeline > li");
    await entries.first().waitFor();
    expect(await entries.count()).to.equal(title.entries.length);
    const registration = title.entries[0];
    const firstEntry = await entries.first().innerText();
    expect(firstEntry).to.contain("Registered");
    expect(firstEntry).to.contain(registration?.proof.transactionHash);
    expect(firstEntry).to.contain(`in block ${registration?.proof.blockNumber}`);
    expect(firstEntry).to.contain(work.creator);
    const derivative = work.derivatives[0] as string;
    // Linked from the record and from the lineage (its graph and its list).
    expect(
      await page.locator(`a[href="/works/0x${BigInt(derivative).toString(16).padStart(64, "0")}"]`).count(),
    ).to.be.at.least(1);
    expect(await page.getByRole("link", { name: "Download the certificate (PDF)" }).getAttribute("href")).to.equal(
      `/api/works/${firstId}/certificate.pdf`,
    );
    expect(await page.getByRole("link", { name: "Download the evidence bundle (JSON)" }).getAttribute("href")).to.equal(
      `/api/works/${firstId}/evidence`,
    );

    await page.getByRole("button", { name: "中文" }).click();
    await page.getByRole("heading", { level: 1, name: work.metadata.nameZh as string }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).to.equal("zh-CN");
    expect(await page.locator(".offers").innerText()).to.contain(offer.words.zh);
    expect(await page.getByRole("heading", { name: "权属时间线" }).count()).to.equal(1);
    expect(await entries.first().innerText()).to.contain("登记");
    expect(await page.getByRole("navigation").innerText()).to.contain("搜索作品");
    // No sentence of the English catalogue is left on the page (user data aside, which is the work's own text).
    const visible = await page.locator("body").innerText();
    expect(englishSentences().filter((sentence) => visible.includes(sentence))).to.deep.equal([]);
    await journeyScreenshots(page, "licensee-work-in-chinese");
    // The choice holds on the next page, then English again for the other tests.
    await page.goto(`${server.url}/verify`, { waitUntil: "networkidle" });
    await page.getByRole("heading", { level: 1, name: "核验文件" }).waitFor();
    await page.getByRole("button", { name: "English" }).click();
    await page.getByRole("heading", { level: 1, name: "Verify a file" }).waitFor();
    await page.close();
  });

  it("asks for a work's detail and image once each, from the page's own answer rather than after its code runs", async () => {
    const { data: work } = await api().GET("/api/works/{workId}", { params: { path: { workId: firstId } } });
    const image = `/ipfs/${work?.content?.cid}`;
    expect(work?.content?.mediaType).to.equal("image/png");
    const { page, watch } = await watchedPage(browser.context);
    watches.push(watch);
    const asked: string[] = [];
    page.on("request", (request) => asked.push(new URL(request.url()).pathname));
    await page.goto(`${server.url}/works/${firstId}`, { waitUntil: "networkidle" });
    const drawn = page.locator("img.work-image");
    await drawn.waitFor();
    expect(await drawn.getAttribute("src")).to.equal(image);
    // Runs in the page: the element as an image has it (DOM types are not this program's).
    const drawnWidth = await drawn.evaluate((element) => {
      const img = element as unknown as { complete: boolean; naturalWidth: number };
      return img.complete ? img.naturalWidth : 0;
    });
    expect(drawnWidth).to.equal(192);
    expect(asked.filter((path) => path === `/api/works/${firstId}`)).to.have.length(1);
    expect(asked.filter((path) => path === image)).to.have.length(1);
    // Both were asked for by the page's Link header (a preload), and the app used those answers.
    const initiators = await page.evaluate(
      (paths) =>
        paths.map((path) =>
          performance
            .getEntriesByType("resource")
            .filter((entry) => new URL(entry.name).pathname === path)
            .map((entry) => (entry as unknown as { initiatorType: string }).initiatorType),
        ),
      [`/api/works/${firstId}`, image],
    );
    expect(initiators).to.deep.equal([["link"], ["link"]]);
    await page.close();
  });

  it("renders hostile metadata as text, never as markup", async () => {
    const { page } = await open(`/works/${hostileId}`);
    const heading = page.getByRole("heading", { level: 1 });
    await heading.waitFor();
    expect(await heading.innerText()).to.equal(HOSTILE_NAME);
    expect(await page.locator(".description").innerText()).to.equal(HOSTILE_DESCRIPTION);
    expect(await page.locator("main img, main svg, main script, main b").count()).to.equal(0);
    await page.goto(`${server.url}/?q=Hostile`, { waitUntil: "networkidle" });
    await page.locator(`a[href="/works/${hostileId}"]`).waitFor();
    expect(await page.locator(`a[href="/works/${hostileId}"]`).innerText()).to.equal(HOSTILE_NAME);
    expect(await page.evaluate(() => (globalThis as { __pwned?: string }).__pwned)).to.equal(undefined);
    await page.close();
  });

  it("says what went wrong in words, in both languages, when the API answers with a problem", async () => {
    const unknown = `0x${"0".repeat(63)}1`;
    const { page } = await open(`/works/${unknown}`);
    await page.getByRole("heading", { level: 1, name: "Work not found" }).waitFor();
    expect(await page.getByRole("alert").innerText()).to.contain(
      "No work with this fingerprint is registered, or the ledger has not caught up with it yet.",
    );
    await page.getByRole("button", { name: "中文" }).click();
    await page.getByRole("heading", { level: 1, name: "未找到作品" }).waitFor();
    expect(await page.getByRole("alert").innerText()).to.contain("没有以此指纹登记的作品");
    await page.getByRole("button", { name: "English" }).click();
    await page.close();
  });

  it("hashes a file in the browser, uploads nothing, and says registered or not registered", async () => {
    const registered = join(dir, "apron.png");
    const unknown = join(dir, "unknown.bin");
    await writeFile(registered, FIRST_DESIGN);
    await writeFile(unknown, randomBytes(9 * 1024 * 1024 + 17));
    const { page } = await open("/verify");
    const sent: string[] = [];
    page.on("request", (request) => {
      if (request.method() !== "GET" || (request.postData() ?? "") !== "")
        sent.push(`${request.method()} ${request.url()}`);
    });
    await page.getByLabel("Choose or drop a file").setInputFiles(registered);
    await page.getByRole("heading", { name: "Registered", exact: true }).waitFor();
    expect(new URL(page.url()).pathname).to.equal(`/verify/${firstId}`);
    expect(await page.locator(".verdict").innerText()).to.contain(firstId);
    expect(await page.locator(".verdict").getByRole("link").getAttribute("href")).to.equal(`/works/${firstId}`);

    await page.getByLabel("Choose or drop a file").setInputFiles(unknown);
    await page.getByRole("heading", { name: "Not registered" }).waitFor();
    expect(new URL(page.url()).pathname).to.equal(`/verify/${sha256Of(await readFile(unknown))}`);
    expect(await page.locator("progress").evaluate((p) => (p as unknown as { value: number }).value)).to.equal(
      9 * 1024 * 1024 + 17,
    );
    expect(await page.getByRole("status").filter({ hasText: "Fingerprint computed" }).count()).to.equal(1);
    expect(sent).to.deep.equal([]);

    // A certificate's QR code opens the verdict on the hash directly.
    await page.goto(`${server.url}/verify/${firstId.toUpperCase().replace("0X", "0x")}`, { waitUntil: "networkidle" });
    await page.getByRole("heading", { name: "Registered", exact: true }).waitFor();
    await page.close();
  });

  describe("the evidence check, in the browser against the anvil node", () => {
    let bundle: Record<string, unknown>;
    const files = { bundle: "", tampered: "", design: "", platform: "", tsa: "" };

    before(async () => {
      const { data } = await api().GET("/api/works/{workId}/evidence", { params: { path: { workId: batchId } } });
      if (!data) throw new Error("no evidence bundle");
      bundle = data as Record<string, unknown>;
      Object.assign(files, {
        bundle: join(dir, "evidence.json"),
        tampered: join(dir, "tampered.json"),
        design: join(dir, "weaving-1.png"),
        platform: join(dir, "data", "keys", "platform-cert.pem"),
        tsa: join(dir, "tsa-root.pem"),
      });
      await writeFile(files.bundle, JSON.stringify(bundle));
      const manifest = bundle["manifest"] as { work: { owner: string } };
      const tampered = {
        ...bundle,
        manifest: { ...manifest, work: { ...manifest.work, owner: `0x${"12".repeat(20)}` } },
      };
      await writeFile(files.tampered, JSON.stringify(tampered));
      await writeFile(files.design, BATCH_DESIGN);
      await writeFile(files.tsa, tsa.caPem);
    });

    const check = async (page: Page, bundleFile: string) => {
      await page.getByLabel("Evidence bundle (JSON file)").setInputFiles(bundleFile);
      await page.getByRole("button", { name: "Check the evidence" }).click();
      await page.locator(".summary").waitFor({ timeout: 60_000 });
    };

    it("passes every one of the 13 steps for a real bundle with its file and the trusted certificates", async () => {
      const { page } = await open("/evidence");
      expect(await page.getByLabel("Blockchain node address (JSON-RPC URL)").inputValue()).to.equal(server.chainUrl);
      await page.getByLabel("The original file (optional)").setInputFiles(files.design);
      await page.getByText("Certificates you trust (optional)").click();
      await page.getByLabel("The operator's certificate (PEM)").setInputFiles(files.platform);
      await page.getByLabel("Root certificates of timestamp authorities (PEM)").setInputFiles(files.tsa);
      const started = performance.now();
      await check(page, files.bundle);
      figures["evidenceCheckMs"] = Math.round(performance.now() - started);
      const steps = await page
        .locator(".steps > li")
        .evaluateAll((items) => items.map((li) => `${li.getAttribute("data-step")}:${li.getAttribute("data-status")}`));
      expect(steps).to.have.length(13);
      expect(
        steps.filter((s) => !s.endsWith(":pass")),
        await page.locator(".steps").innerText(),
      ).to.deep.equal([]);
      expect(await page.locator(".summary").innerText()).to.equal("The evidence holds: every check passed.");
      await journeyScreenshots(page, "auditor-evidence-verified");
      await page.close();
    });

    it("fails a tampered bundle, and says which step and why", async () => {
      const { page } = await open("/evidence");
      await check(page, files.tampered);
      expect(await page.locator(".summary").innerText()).to.match(/does NOT hold/);
      const manifest = page.locator('.steps > li[data-step="manifest"]');
      expect(await manifest.getAttribute("data-status")).to.equal("fail");
      expect(await manifest.innerText()).to.contain("it was changed");
      expect(await page.locator('.steps > li[data-step="owner"]').getAttribute("data-status")).to.equal("fail");
      await page.close();
    });
  });

  describe("the transfers explorer", () => {
    type Entry = { kind: string; workId: string | null; proof: { transactionHash: string; logIndex: number } };
    /** The API's own answer for one kind of event (the demo market has fewer than 1000 of any). */
    const entriesOf = async (kinds?: string): Promise<Entry[]> => {
      const query = { limit: 1000, ...(kinds ? { kinds } : {}) };
      const { data } = await api().GET("/api/audit", { params: { query } });
      if (!data) throw new Error(`no audit answer for ${kinds}`);
      return data.entries;
    };
    const rowsOf = async (page: Page) =>
      page
        .locator("table.audit tbody tr")
        .evaluateAll((rows) =>
          rows.map(
            (r) =>
              `${r.getAttribute("data-kind")} ${/0x[0-9a-f]{64}/.exec(r.lastElementChild?.textContent ?? "")?.[0]}`,
          ),
        );
    const expected = (entries: Entry[]) => entries.slice(0, 50).map((e) => `${e.kind} ${e.proof.transactionHash}`);

    it("lists the demo market's assignment and licence sales, narrows by type, and downloads the same rows as CSV", async () => {
      const { page } = await open("/audit");
      await page.getByRole("heading", { level: 1, name: "Transfers explorer" }).waitFor();
      await page.locator("table.audit tbody tr").first().waitFor();
      expect(await page.getByRole("table").getByRole("columnheader").allInnerTexts()).to.deep.equal([
        "Time",
        "Type",
        "Work",
        "Parties",
        "Amount",
        "Transaction and block",
      ]);
      const all = await rowsOf(page);
      expect(all.length).to.be.at.most(50);

      // The assignment with its deed: the type chosen in the form, the address keeps it.
      const assignments = await entriesOf("assignmentDeed");
      expect(assignments.length).to.be.at.least(1);
      await page.getByLabel("Type of event").selectOption("assignmentDeed");
      await page.getByRole("button", { name: "Filter" }).click();
      await page.waitForURL(/kind=assignmentDeed/);
      await waitFor("the assignments", async () => (await rowsOf(page)).join() === expected(assignments).join());
      const deedRow = page.locator("table.audit tbody tr").first();
      const workId = assignments[0]?.workId as string;
      expect(await deedRow.getByRole("link").getAttribute("href")).to.equal(
        `/works/0x${BigInt(workId).toString(16).padStart(64, "0")}`,
      );

      // Licence sales: each row with its amount; fewer rows than all events, the same as the API's answer.
      const sales = await entriesOf("licencePurchased");
      expect(sales.length).to.be.at.least(2);
      await page.getByLabel("Type of event").selectOption("licencePurchased");
      await page.getByRole("button", { name: "Filter" }).click();
      await page.waitForURL(/kind=licencePurchased/);
      await waitFor("the licence sales", async () => (await rowsOf(page)).join() === expected(sales).join());
      expect(await page.locator("table.audit tbody tr td:nth-child(5)").first().innerText()).to.match(/ETH|base units/);
      expect((await entriesOf()).length).to.be.greaterThan(sales.length);

      // The CSV link carries the same filter; it downloads text/csv with one row per entry the API gives.
      const link = page.getByRole("link", { name: "Download these events as CSV" });
      const href = (await link.getAttribute("href")) as string;
      expect(href).to.equal("/api/audit.csv?kinds=licencePurchased");
      const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
      const csv = (await readFile(await download.path())).toString("utf8").replace(/^\uFEFF/, "");
      const response = await fetch(`${server.url}${href}`);
      expect(response.headers.get("content-type")).to.match(/^text\/csv/);
      expect((await response.text()).replace(/^\uFEFF/, "")).to.equal(csv);
      const lines = csv.trim().split("\r\n");
      expect(lines[0]).to.match(/^time,kind,event,work_id,details,/);
      expect(
        lines.slice(1).map((l) => [/,licencePurchased,/.test(l), /0x[0-9a-f]{64}/.exec(l.split("}")[1] ?? l)?.[0]]),
      ).to.deep.equal(sales.map((e) => [true, e.proof.transactionHash]));
      await journeyScreenshots(page, "auditor-explorer");
      await page.close();
    });
  });

  it("has no serious or critical accessibility violation on any page, at 375 and 1280 pixels wide", async () => {
    const pages: [string, (page: Page) => Promise<unknown>][] = [
      ["/", (p) => p.locator(".cards li").first().waitFor()],
      [`/works/${firstId}`, (p) => p.locator(".timeline > li").first().waitFor()],
      [`/verify/${firstId}`, (p) => p.locator(".verdict").waitFor()],
      [
        `/evidence?work=${batchId}`,
        async (p) => {
          await p.getByRole("button", { name: "Check the evidence" }).click();
          await p.locator(".summary").waitFor({ timeout: 60_000 });
        },
      ],
      ["/audit?kind=licencePurchased", (p) => p.locator("table.audit tbody tr").first().waitFor()],
    ];
    const found: string[] = [];
    // TITLECHAIN_SCREENSHOTS=dir keeps a screenshot of each page at each width there (docs/screenshots: the README's).
    const shots = process.env["TITLECHAIN_SCREENSHOTS"];
    const names = ["search", "search", "work", "work", "verify", "verify", "evidence", "evidence", "audit", "audit"];
    for (const [path, ready] of pages) {
      const { page, watch } = await open(path);
      await ready(page);
      figures[`js:${path.split(/[/?]/)[1] || "search"}KB`] =
        Math.round((await gzippedBytes(watch.scripts)) / 102.4) / 10;
      for (const width of [375, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        for (const v of await seriousViolations(page)) found.push(`${path} at ${width}px: ${v}`);
        // Nothing wider than the screen: a phone never scrolls sideways.
        const overflow = await page.evaluate(() => {
          const w = globalThis as unknown as {
            innerWidth: number;
            document: { documentElement: { scrollWidth: number } };
          };
          return w.document.documentElement.scrollWidth - w.innerWidth;
        });
        // The first screen of each page, as JPEG (a full page in PNG weighs 300–500 KB; these stay under 150 KB).
        if (shots) await page.screenshot({ path: join(shots, `${names.shift() ?? "page"}-${width}.jpg`), quality: 70 });
        expect(overflow, `${path} at ${width}px is ${overflow}px too wide`).to.be.at.most(0);
      }
      await page.close();
    }
    expect(found).to.deep.equal([]);
  });

  // Last (mocha runs a suite's own tests before its inner suites): every page opened above.
  describe("on every page opened", () => {
    it("raised no Content-Security-Policy violation and no script error", () => {
      expect(watches.length).to.be.at.least(10);
      expect(watches.flatMap((w) => w.violations)).to.deep.equal([]);
      expect(watches.flatMap((w) => w.errors)).to.deep.equal([]);
    });
  });
});
