// The licensee's journey in Chromium on the real server: find a work in Chinese, buy its licence, hold it, renew it.
import { expect } from "chai";
import type { Page } from "playwright-core";
import { type Address, createPublicClient, http } from "viem";
import { titlechainClient } from "../../client/index.ts";
import { licenceLedgerAbi } from "../../types/abi/index.js";
import type { Server } from "../stack/server.ts";
import {
  type Browser,
  injectWallet,
  journeyScreenshots,
  launchBrowser,
  type PageWatch,
  seriousViolations,
  watchedPage,
} from "./browser.ts";
import { type Demo, startDemo } from "./demo.ts";

/** anvil's ninth development account: the licensee, paying from its own balance. */
const LICENSEE = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f" as Address;
const NATIVE = "0x0000000000000000000000000000000000000000";

describe("buying and renewing a licence in Chromium, on the real server", function () {
  this.timeout(240_000);
  let server: Server;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  let workId: string;
  let offerIndex: number;
  let price: bigint;
  const api = () => titlechainClient(server.url);
  const chain = () => createPublicClient({ transport: http(server.chainUrl) });

  let demo: Demo;
  const waitFor: Demo["waitFor"] = (what, check, tries) => demo.waitFor(what, check, tries);
  const held = async () =>
    (await api().GET("/api/accounts/{account}/licences", { params: { path: { account: LICENSEE } } })).data?.grants ??
    [];

  before(async () => {
    demo = await startDemo("licences");
    server = demo.server;
    // A Qiang embroidery with a renewable, open, non-exclusive offer in the native coin: what a licensee would buy.
    const { data } = await api().GET("/api/works", { params: { query: { q: "羌绣", limit: 100 } } });
    for (const candidate of data?.works ?? []) {
      const { data: work } = await api().GET("/api/works/{workId}", { params: { path: { workId: candidate.workId } } });
      const offer = work?.offers.find(
        (o) => o.state === "open" && o.kind === "nonExclusive" && o.durationSeconds > 0 && o.currency === NATIVE,
      );
      if (work && offer) {
        workId = work.workId;
        offerIndex = offer.offerIndex;
        price = BigInt(offer.price);
        break;
      }
    }
    expect(workId, "a demo work with a renewable offer").to.be.a("string");
    browser = await launchBrowser();
    ({ page, watch } = await watchedPage(browser.context));
    await injectWallet(page, server.chainUrl, LICENSEE);
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it("finds the work by a Chinese query and reads its image, offers and timeline", async () => {
    await page.goto(`${server.url}/`, { waitUntil: "networkidle" });
    await page.getByLabel("Words to search for").fill("羌绣");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const { data: work } = await api().GET("/api/works/{workId}", { params: { path: { workId } } });
    const card = page.locator(`.cards a[href="/works/0x${BigInt(workId).toString(16).padStart(64, "0")}"]`);
    await waitFor("the work among the results", async () => (await card.count()) === 1 || (await more()));
    await card.click();
    await page.getByRole("heading", { level: 1, name: work?.metadata.nameEn as string }).waitFor();
    await waitFor("its image", async () =>
      page.locator("img.work-image").evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0),
    );
    await page.getByRole("heading", { name: "Provenance timeline" }).waitFor();
    expect(await page.locator(".offers > li").count()).to.equal(work?.offers.length);

    async function more(): Promise<boolean> {
      const button = page.getByRole("button", { name: "Show more works" });
      if ((await button.count()) === 0) return false;
      await button.click();
      return false;
    }
  });

  it("buys a licence with the injected wallet: paid, mined and shown", async () => {
    const before = await chain().getBalance({ address: LICENSEE });
    const offer = page.locator(".offers > li").nth(offerIndex);
    await offer.getByRole("button", { name: "Buy this licence" }).click();
    await offer.getByRole("button", { name: "Sign with Test Wallet" }).click();
    await offer.getByRole("button", { name: /^Pay .* ETH$/ }).click();
    await offer.getByText("Done: recorded on the ledger and shown here.").waitFor({ timeout: 60_000 });
    const grants = await held();
    expect(grants).to.have.length(1);
    expect([grants[0]?.workId, grants[0]?.offerIndex, grants[0]?.status]).to.deep.equal([workId, offerIndex, "active"]);
    const balance = await chain().readContract({
      address: ((await api().GET("/api/deployment")).data?.ledger ?? "0x") as Address,
      abi: licenceLedgerAbi,
      functionName: "balanceOf",
      args: [LICENSEE, BigInt(grants[0]?.grantId as string)],
    });
    expect(balance).to.equal(1n);
    // The price and the gas left the licensee's balance.
    expect(before - (await chain().getBalance({ address: LICENSEE })) >= price).to.equal(true);
  });

  it("lists the licence under my licences with its status and expiry, and renews it", async () => {
    // The wallet chosen on the work page still signs here: client-side navigation keeps the visit's account.
    await page.getByRole("link", { name: "See my licences" }).click();
    await page.getByRole("heading", { level: 1, name: "My licences" }).waitFor();
    const row = page.locator("tbody tr").first();
    await row.waitFor();
    const [grant] = await held();
    expect(await row.innerText()).to.contain("in force");
    const end = new Intl.DateTimeFormat("en-US", { dateStyle: "medium" }).format(new Date(grant?.end as string));
    expect(await row.innerText()).to.contain(end);

    await row.getByRole("button", { name: "Renew" }).click();
    await row.getByRole("button", { name: /^Pay .* ETH$/ }).click();
    await waitFor("the renewal", async () => (await held())[0]?.end !== grant?.end);
    const [renewed] = await held();
    expect(Date.parse(renewed?.end as string)).to.be.greaterThan(Date.parse(grant?.end as string));
    const later = new Intl.DateTimeFormat("en-US", { dateStyle: "medium" }).format(new Date(renewed?.end as string));
    await waitFor("the new expiry shown", async () =>
      (await page.locator("tbody tr").first().innerText()).includes(later),
    );
    await journeyScreenshots(page, "licensee-renewed");
  });

  it("shows the sale and the renewal in the transfers explorer", async () => {
    await page.goto(`${server.url}/audit?account=${LICENSEE}`, { waitUntil: "networkidle" });
    await page.locator("table.audit tbody tr").first().waitFor();
    const kinds = await page
      .locator("table.audit tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-kind")));
    expect(kinds).to.include("licencePurchased");
    expect(kinds).to.include("licenceRenewed");
  });

  it("says why in words when the ledger refuses a purchase", async () => {
    // The same offer bought at a stale price: the page's simulation meets the ledger's PriceMismatch refusal.
    await page.goto(`${server.url}/works/${workId}`, { waitUntil: "networkidle" });
    const offer = page.locator(".offers > li").nth(offerIndex);
    await page.route("**/api/works/*", async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      body.offers[offerIndex].price = "1";
      await route.fulfill({ response, json: body });
    });
    await page.reload({ waitUntil: "networkidle" });
    await offer.getByRole("button", { name: "Buy this licence" }).click();
    await page.getByRole("button", { name: "Sign with Test Wallet" }).click();
    await offer.getByRole("button", { name: /^Pay .* ETH$/ }).click();
    const alert = offer.getByRole("alert");
    await alert.waitFor();
    expect(await alert.innerText()).to.match(/price/i);
    expect(await alert.innerText()).to.not.match(/0x[0-9a-f]{8}/);
    await page.unroute("**/api/works/*");
    expect(await held()).to.have.length(1);
  });

  it("has no serious accessibility violation at phone and desktop widths, and breaks no policy", async () => {
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${server.url}/works/${workId}`, { waitUntil: "networkidle" });
      await page.locator(".offers > li").nth(offerIndex).getByRole("button", { name: "Buy this licence" }).click();
      await page.getByRole("button", { name: "Sign with Test Wallet" }).waitFor();
      expect(await seriousViolations(page), `work page buying at ${width}`).to.deep.equal([]);
      await page.goto(`${server.url}/licences`, { waitUntil: "networkidle" });
      expect(await seriousViolations(page), `my licences at ${width}`).to.deep.equal([]);
    }
    expect(watch.violations).to.deep.equal([]);
    expect(watch.errors).to.deep.equal([]);
  });
});
