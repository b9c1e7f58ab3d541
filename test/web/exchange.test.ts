// The exchange journey in Chromium on the real server: a seller lists, a buyer bids, withdraws and buys, a bid is
// accepted, the seller withdraws the earnings; each step confirmed in words and followed until the API shows it.
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { type Address, createPublicClient, createWalletClient, type Hex, http, parseEther } from "viem";
import { titlechainClient } from "../../client/index.ts";
import { exchangeAbi } from "../../types/abi/index.js";
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
import { type Demo, registerWork, startDemo } from "./demo.ts";

/** anvil's second and third development accounts: the artisan who sells, and the buyer. */
const SELLER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Address;
const BUYER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as Address;
const NATIVE = "0x0000000000000000000000000000000000000000" as Address;
const NAME = "Qiang embroidery: a sash for sale";

describe("buying and selling a work's copyright in Chromium, on the real server", function () {
  this.timeout(240_000);
  let server: Server;
  let browser: Browser;
  let seller: { page: Page; watch: PageWatch };
  let buyer: { page: Page; watch: PageWatch };
  let workId: Hex;
  let exchange: Address;
  const api = () => titlechainClient(server.url);
  const chain = () => createPublicClient({ transport: http(server.chainUrl) });

  let demo: Demo;
  const waitFor: Demo["waitFor"] = (what, check, tries) => demo.waitFor(what, check, tries);
  const work = async () => {
    const { data } = await api().GET("/api/works/{workId}", { params: { path: { workId } } });
    if (!data) throw new Error(`no work ${workId}`);
    return data;
  };
  const bids = async () =>
    (await api().GET("/api/works/{workId}/bids", { params: { path: { workId } } })).data?.bids ?? [];

  /** Registers a work to the seller through the API and the chain, as any artisan's wallet could; its id. */
  const registerForSeller = async (): Promise<Hex> => {
    const { id } = await registerWork(
      server,
      new TextEncoder().encode(`a sash ${randomBytes(8).toString("hex")}`),
      {
        name: NAME,
        description: "A woven sash, offered on the exchange.",
        i18n: { en: { name: NAME }, zh: { name: "羌绣腰带" } },
        creator: [{ "@type": "Person", name: "An artisan" }],
      },
      SELLER,
    );
    await waitFor("the work's metadata", async () => {
      const { data } = await api().GET("/api/works/{workId}", { params: { path: { workId: id } } });
      return data?.metadata.status === "ok";
    });
    return id;
  };

  /** Opens `path` and picks the page's injected wallet (the signer lives for the page's visit). */
  const openWith = async (page: Page, path: string, wallet: string, choose?: string) => {
    await page.goto(`${server.url}${path}`, { waitUntil: "networkidle" });
    if (choose) await page.getByRole("button", { name: choose }).click();
    await page.getByRole("button", { name: `Sign with ${wallet}` }).click();
  };

  /** Confirms the action on screen after checking its words, and waits for its outcome to be shown. */
  const confirm = async (page: Page, words: RegExp, outcome: string | RegExp) => {
    const box = page.locator(".confirm");
    await box.waitFor();
    expect(await box.innerText()).to.match(words);
    // Focus moves to what needs reading: the confirmation, then the outcome.
    expect(await page.evaluate(() => (globalThis as unknown as Doc).document.activeElement?.textContent)).to.equal(
      "Please confirm",
    );
    await page.getByRole("button", { name: "Confirm", exact: true }).click();
    await page.getByText(outcome).first().waitFor({ timeout: 90_000 });
  };
  type Doc = { document: { activeElement: { textContent: string | null; className: string } | null } };
  const focused = (page: Page) =>
    page.evaluate(() => (globalThis as unknown as Doc).document.activeElement?.className ?? "");

  before(async () => {
    demo = await startDemo("exchange");
    server = demo.server;
    workId = await registerForSeller();
    exchange = ((await api().GET("/api/deployment")).data?.exchange ?? NATIVE) as Address;
    browser = await launchBrowser();
    seller = await watchedPage(browser.context);
    buyer = await watchedPage(browser.context);
    await injectWallet(seller.page, server.chainUrl, SELLER, "Seller Wallet");
    await injectWallet(buyer.page, server.chainUrl, BUYER, "Buyer Wallet");
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it("lets the seller list the work: the exchange approved for it, then the listing, each sent, mined and shown", async () => {
    const { page } = seller;
    await openWith(page, `/works/${workId}`, "Seller Wallet", "Choose a wallet to buy, sell or bid");
    await page.getByRole("heading", { name: "Put it up for sale" }).waitFor();
    expect(await page.locator(".exchange").innerText()).to.contain("This work is not for sale at the moment.");
    await page.getByLabel("Price in ETH").fill("0,5");
    await page.getByRole("button", { name: "List for sale" }).click();
    await confirm(
      page,
      /You put this work up for sale for 0\.5 ETH, until you take it off sale\.[\s\S]*transfer this one work[\s\S]*confirm 2 transactions/,
      "Listed: the work is for sale for 0.5 ETH.",
    );
    const steps = await page.locator(".tx-run .step").allInnerTexts();
    expect(steps).to.have.length(3);
    expect(steps[0]).to.match(
      /^Mined in block [\d,]+: Let the exchange transfer this work · transaction 0x[0-9a-f]{64}$/,
    );
    expect(steps[1]).to.match(/^Mined in block [\d,]+: List the work for sale · transaction 0x[0-9a-f]{64}$/);
    expect(steps[2]).to.equal("Done: Shown on this site");
    expect(await focused(page)).to.equal("done");
    expect((await work()).listing).to.deep.equal({
      seller: SELLER.toLowerCase(),
      currency: NATIVE,
      price: parseEther("0.5").toString(),
      expiry: null,
    });
    // The panel shows the listing it made, and offers to change the price or take it off sale.
    expect(await page.locator(".listing").innerText()).to.match(/Price\s+0\.5 ETH/);
    await page.getByRole("button", { name: "Take it off sale" }).waitFor();
  });

  it("lets a buyer bid, the amount held by the exchange, then withdraw the bid and get it back", async () => {
    const { page } = buyer;
    await openWith(page, `/works/${workId}`, "Buyer Wallet", "Choose a wallet to buy, sell or bid");
    await page.getByRole("button", { name: "Buy for 0.5 ETH" }).waitFor();
    // A bid that is no amount is refused on the spot, in words, with the focus on the field.
    await page.getByLabel("Your bid in ETH").fill("a little");
    await page.getByRole("button", { name: "Place the bid" }).click();
    expect(await page.locator(".field-error").innerText()).to.equal(
      "Give an amount in ETH greater than zero, for example 0.5.",
    );
    expect(
      await page
        .getByLabel("Your bid in ETH")
        .evaluate(
          (field) =>
            field === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement,
        ),
    ).to.equal(true);
    await page.getByLabel("Your bid in ETH").fill("0.3");
    await page.getByLabel("Bid valid until (optional)").fill("2099-12-31");
    await page.getByRole("button", { name: "Place the bid" }).click();
    const held = await chain().getBalance({ address: exchange });
    await confirm(
      page,
      /You bid 0\.3 ETH for this work, until Dec 31, 2099\. The amount leaves your wallet now/,
      "Your bid of 0.3 ETH is placed.",
    );
    expect(await chain().getBalance({ address: exchange })).to.equal(held + parseEther("0.3"));
    expect((await bids()).map((b) => [b.bidder, b.amount, b.state])).to.deep.equal([
      [BUYER.toLowerCase(), parseEther("0.3").toString(), "open"],
    ]);
    expect(await page.locator(".bids").innerText()).to.contain("(you)");

    await page.getByRole("button", { name: "Withdraw my bid" }).click();
    await confirm(
      page,
      /You withdraw your bid of 0\.3 ETH: the exchange sends the amount back to your wallet\./,
      "Your bid is withdrawn and its amount is back in your wallet.",
    );
    expect(await bids()).to.deep.equal([]);
    expect(await chain().getBalance({ address: exchange })).to.equal(held);
    await page.getByText("Nobody has bid for this work.").waitFor();
  });

  it("says in words why a purchase at a price that changed since the page was read is refused", async () => {
    const { page } = buyer;
    // The seller raises the price from another device while the buyer's page still shows the old one.
    const wallet = createWalletClient({ transport: http(server.chainUrl), account: SELLER });
    const hash = await wallet.writeContract({
      address: exchange,
      abi: exchangeAbi,
      functionName: "listWork",
      args: [BigInt(workId), NATIVE, parseEther("0.6"), 0],
      chain: null,
    });
    await chain().waitForTransactionReceipt({ hash });
    await waitFor("the new price", async () => (await work()).listing?.price === parseEther("0.6").toString());
    await page.getByRole("button", { name: "Buy for 0.5 ETH" }).click();
    await confirm(page, /You pay 0\.5 ETH from your wallet/, /did not go through/);
    const alert = page.locator(".exchange [role=alert]");
    expect(await alert.innerText()).to.equal(
      "It did not go through. The price has changed since you looked. Please check the new price before paying.",
    );
    expect(await focused(page)).to.equal("problem");
    expect((await work()).owner).to.equal(SELLER.toLowerCase());
  });

  it("lets the buyer buy the listed work at its new price; the API shows the buyer as its holder", async () => {
    const { page } = buyer;
    const before = await chain().getBalance({ address: BUYER });
    await page.getByRole("button", { name: "Buy for 0.6 ETH" }).click();
    await confirm(
      page,
      /You pay 0\.6 ETH from your wallet and become the holder of this work's copyright at once\./,
      "Bought: you now hold this work's copyright.",
    );
    const bought = await work();
    expect(bought.owner).to.equal(BUYER.toLowerCase());
    expect(bought.listing).to.equal(null);
    expect(before - (await chain().getBalance({ address: BUYER })) >= parseEther("0.6")).to.equal(true);
    // Now the holder, the buyer is offered to sell it.
    await page.getByRole("heading", { name: "Put it up for sale" }).waitFor();
    // The rest of the page follows: the record names the new holder, the timeline has the sale.
    const owner = page.locator("dt", { hasText: "Owner now" }).locator("xpath=following-sibling::dd[1]");
    await waitFor(
      "the new holder in the record",
      async () => (await owner.innerText()).toLowerCase() === BUYER.toLowerCase(),
    );
    await waitFor("the sale in the timeline", async () => (await page.locator(".timeline > li").count()) >= 3);
    await journeyScreenshots(page, "trader-bought-the-work");
  });

  it("lets the new holder accept a bid: the work goes to the bidder", async () => {
    await openWith(seller.page, `/works/${workId}`, "Seller Wallet", "Choose a wallet to buy, sell or bid");
    await seller.page.getByLabel("Your bid in ETH").fill("0.2");
    await seller.page.getByRole("button", { name: "Place the bid" }).click();
    await confirm(
      seller.page,
      /You bid 0\.2 ETH for this work, until you withdraw it\./,
      "Your bid of 0.2 ETH is placed.",
    );

    const { page } = buyer;
    await page.reload({ waitUntil: "networkidle" });
    await page.getByRole("button", { name: "Choose a wallet to buy, sell or bid" }).click();
    await page.getByRole("button", { name: "Sign with Buyer Wallet" }).click();
    await page.getByRole("button", { name: "Accept this bid of 0.2 ETH" }).click();
    await confirm(
      page,
      /You sell this work to 0x7099…79c8 for their bid of 0\.2 ETH\.[\s\S]*transfer this one work/,
      "Sold: 0x7099…79c8 now holds this work. Withdraw the money from the Earnings page.",
    );
    expect((await work()).owner).to.equal(SELLER.toLowerCase());
    expect(await bids()).to.deep.equal([]);
  });

  it("shows the seller the earnings owed, and withdraws them to the wallet", async () => {
    const { page } = seller;
    await openWith(page, "/earnings", "Seller Wallet");
    const card = page.locator(".balances li");
    await card.waitFor();
    expect(await card.innerText()).to.match(/From sales on the exchange\s+0\.6 ETH/);
    const before = await chain().getBalance({ address: SELLER });
    await page.getByRole("button", { name: "Withdraw to my wallet" }).click();
    await confirm(
      page,
      /The exchange sends the 0\.6 ETH it owes you to your wallet\./,
      "Withdrawn: the money is in your wallet.",
    );
    const gained = (await chain().getBalance({ address: SELLER })) - before;
    expect(gained > parseEther("0.59") && gained < parseEther("0.6")).to.equal(true);
    await page.getByText("Nothing is owed to this account at the moment.").waitFor();
    await journeyScreenshots(page, "trader-earnings-withdrawn");
    expect(
      (await api().GET("/api/accounts/{account}/balances", { params: { path: { account: SELLER } } })).data,
    ).to.deep.equal({ balances: [] });
    // The buyer, who sold it back, has the accepted bid to withdraw.
    const owed = await api().GET("/api/accounts/{account}/balances", { params: { path: { account: BUYER } } });
    expect(owed.data?.balances.map((b) => [b.source, b.owed])).to.deep.equal([
      ["exchange", parseEther("0.2").toString()],
    ]);
  });

  it("has no serious accessibility violation at phone and desktop widths, and breaks no policy", async () => {
    const { page } = buyer;
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await openWith(page, `/works/${workId}`, "Buyer Wallet", "Choose a wallet to buy, sell or bid");
      await page.getByRole("heading", { name: "Make a bid" }).waitFor();
      expect(await seriousViolations(page), `the exchange panel at ${width}`).to.deep.equal([]);
      await page.getByLabel("Your bid in ETH").fill("0.1");
      await page.getByRole("button", { name: "Place the bid" }).click();
      await page.locator(".confirm").waitFor();
      expect(await seriousViolations(page), `a confirmation at ${width}`).to.deep.equal([]);
      await page.getByRole("button", { name: "Cancel" }).click();
      await openWith(page, "/earnings", "Buyer Wallet");
      await page.locator(".balances li").waitFor();
      expect(await seriousViolations(page), `the earnings page at ${width}`).to.deep.equal([]);
    }
    for (const { watch } of [seller, buyer]) {
      expect(watch.violations).to.deep.equal([]);
      expect(watch.errors).to.deep.equal([]);
    }
  });
});
