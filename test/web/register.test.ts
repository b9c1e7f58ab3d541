// The artisan's journey in Chromium on the real server: a built-in account, a private commitment, its reveal, prior art.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { type Address, createPublicClient, type Hex, http } from "viem";
import { titlechainClient } from "../../client/index.ts";
import { batchLeafOf, commitmentOf } from "../../core/commitment.ts";
import { decryptKeystore } from "../../core/keystore.ts";
import { processMerkleProof } from "../../core/merkle.ts";
import { sha256Of } from "../../core/verify.ts";
import { encodePng, generateDesign } from "../../scripts/designs.ts";
import { startTestTsa, type TestTsa } from "../../scripts/local-tsa.ts";
import { licenceLedgerAbi, provenanceRegistryAbi } from "../../types/abi/index.js";
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

const PASSPHRASE = "羌绣 embroidery 2026";
/** A design of this test's own, and one a few pixels away from the demo's first work (a near duplicate of it). */
const PRIVATE_DESIGN = encodePng(generateDesign(9_100, 192)).bytes;
const NEAR_DESIGN = (() => {
  const design = generateDesign(7_000, 192);
  for (let i = 0; i < 40; i += 4) design.rgba[i] = ((design.rgba[i] ?? 0) + 9) % 256;
  return encodePng(design).bytes;
})();
/** anvil's last development account: it only signs here (gasless), it never pays. */
const WALLET_ACCOUNT = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";
/** A cooperative sharing a work's licence revenue (any address: it only receives). */
const CO_OWNER = "0x5c1f3e7a42bb24d1c6d1cbc0d8c0a2f7b1e4d9a3";

describe("registering a design in Chromium, on the real server", function () {
  this.timeout(240_000);
  let dir: string;
  let tsa: TestTsa;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  let creator: Address;
  const files: Record<string, string> = {};
  const uploads: string[] = [];

  let demo: Demo;
  const waitFor: Demo["waitFor"] = (what, check, tries) => demo.waitFor(what, check, tries);
  const registry = async () =>
    ((await (await fetch(`${server.url}/api/deployment`)).json()) as { registry: Address }).registry;
  const chain = () => createPublicClient({ transport: http(server.chainUrl) });
  const storedCommitments = async () =>
    JSON.parse((await page.evaluate(() => localStorage.getItem("titlechain.commitments"))) ?? "[]") as {
      creator: Address;
      sha256: Hex;
      salt: Hex;
      batch?: { submitter: Address; root: Hex; leaf: Hex; proof: Hex[] };
      revealId?: string;
    }[];

  before(async () => {
    tsa = await startTestTsa("Register test TSA");
    demo = await startDemo("register", ["--tsa-url", tsa.url]);
    ({ server, dir } = demo);
    files["private"] = join(dir, "双鱼纹.png");
    files["near"] = join(dir, "near.png");
    await writeFile(files["private"], PRIVATE_DESIGN);
    await writeFile(files["near"], NEAR_DESIGN);
    browser = await launchBrowser();
    ({ page, watch } = await watchedPage(browser.context));
    // Every request body the page sends, to show what leaves the device.
    page.on("request", (request) => {
      const body = request.postDataBuffer();
      if (body) uploads.push(`${request.method()} ${new URL(request.url()).pathname} ${body.length}`);
    });
    await injectWallet(page, server.chainUrl, WALLET_ACCOUNT);
  });

  after(async () => {
    await browser?.close();
    await tsa?.close();
    await demo?.stop();
  });

  it("makes a built-in account whose key is kept only encrypted under the passphrase", async () => {
    await page.goto(`${server.url}/register`, { waitUntil: "networkidle" });
    await page.getByLabel("Passphrase", { exact: true }).fill("short");
    await page.getByLabel("Passphrase again").fill("short");
    await page.getByRole("button", { name: "Make my account" }).click();
    expect(await page.getByRole("alert").innerText()).to.contain("at least 8 characters");

    await page.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
    await page.getByLabel("Passphrase again").fill(PASSPHRASE);
    await page.getByLabel("I understand that nobody can recover a lost key or passphrase").check();
    await page.getByRole("button", { name: "Make my account" }).click();
    await page.getByText("Signing with the account kept in this browser:").waitFor();
    const keystore = JSON.parse((await page.evaluate(() => localStorage.getItem("titlechain.keystore"))) ?? "null");
    creator = `0x${keystore.address}` as Address;
    expect((await page.locator(".account code").innerText()).toLowerCase()).to.equal(creator.toLowerCase());
    const key = await decryptKeystore(keystore, PASSPHRASE);
    // The key itself is nowhere in the page's storage.
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    expect(storage).to.not.contain(key.slice(2));
    expect(await chain().getBalance({ address: creator })).to.equal(0n);
  });

  it("commits a design privately and gaslessly: only a commitment leaves the browser, anchored on chain", async () => {
    uploads.length = 0;
    await page.getByLabel("Private: record only its fingerprint").check();
    await page.getByLabel("Choose or drop the design's file").setInputFiles(files["private"] as string);
    const commit = page.getByRole("button", { name: "Record the fingerprint privately" });
    await waitFor("the commit button", () => commit.isEnabled());
    await commit.click();
    await page.getByRole("heading", { name: "Fingerprint recorded privately" }).waitFor({ timeout: 60_000 });
    await journeyScreenshots(page, "artisan-committed-privately");

    const sha256 = sha256Of(PRIVATE_DESIGN);
    const [kept] = await storedCommitments();
    expect(kept?.sha256).to.equal(sha256);
    const batch = kept?.batch as NonNullable<typeof kept>["batch"] & object;
    const leaf = batchLeafOf(creator, sha256, kept?.salt as Hex);
    expect(batch.leaf).to.equal(leaf);
    expect(processMerkleProof(leaf, batch.proof)).to.equal(batch.root);
    const anchoredAt = await chain().readContract({
      address: await registry(),
      abi: provenanceRegistryAbi,
      functionName: "batchTime",
      args: [batch.submitter, batch.root],
    });
    expect(anchoredAt > 0n).to.equal(true);
    // Nothing but the signed commitment request went out: no upload, no verify with the file, no hash in a body.
    expect(uploads.filter((u) => u.startsWith("POST"))).to.have.length(1);
    expect(uploads[0]).to.match(/^POST \/api\/relay\/commit \d+$/);
    expect(await chain().getBalance({ address: creator })).to.equal(0n);
    // The receipt holds the salt: the one thing that can open the commitment.
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download the receipt" }).click();
    const receipt = JSON.parse(await readFile((await (await download).path()) as string, "utf8"));
    expect([receipt.sha256, receipt.salt]).to.deep.equal([sha256, kept?.salt]);
  });

  it("reveals the private design later with its description, registered at its commitment's time", async () => {
    await page.goto(`${server.url}/register`, { waitUntil: "networkidle" });
    await page.getByLabel("Passphrase", { exact: true }).fill("not the passphrase");
    await page.getByRole("button", { name: "Unlock" }).click();
    expect(await page.getByRole("alert").innerText()).to.contain("does not open the account");
    await page.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
    await page.getByRole("button", { name: "Unlock" }).click();
    await page.getByRole("heading", { name: "Your private records in this browser" }).waitFor();
    await page.getByRole("button", { name: "Make public" }).click();
    // Another file is refused: only the committed one can be revealed.
    await page.getByLabel("Choose or drop the design's file").setInputFiles(files["near"] as string);
    expect(await page.getByRole("alert").innerText()).to.contain("is not the file you committed");
    await page.getByLabel("Choose or drop the design's file").setInputFiles(files["private"] as string);
    await page.getByLabel("Title in Chinese").fill("羌绣·双鱼纹围裙");
    await page.getByLabel("Title in English").fill("Qiang embroidery: twin fish apron");
    await page.getByLabel("Technique").fill("Qiang embroidery");
    await page.getByLabel("Region").fill("Maoxian, Sichuan");
    await page.getByLabel("Your name as creator").fill("陈绣娘 Chen Xiuniang");
    const reveal = page.getByRole("button", { name: "Make public and register" });
    await waitFor("the reveal button", () => reveal.isEnabled());
    await reveal.click();
    await page.getByRole("heading", { name: "Registered", exact: true }).waitFor({ timeout: 90_000 });

    const sha256 = sha256Of(PRIVATE_DESIGN);
    const work = (await (await fetch(`${server.url}/api/works/${sha256}`)).json()) as {
      creator: string;
      owner: string;
      metadata: { nameZh: string; technique: string };
    };
    expect(work.creator.toLowerCase()).to.equal(creator.toLowerCase());
    expect(work.owner.toLowerCase()).to.equal(creator.toLowerCase());
    await waitFor("the metadata", async () => {
      const w = (await (await fetch(`${server.url}/api/works/${sha256}`)).json()) as typeof work;
      return w.metadata.nameZh === "羌绣·双鱼纹围裙" && w.metadata.technique === "Qiang embroidery";
    });
    // Registered at the batch's time, not the reveal's.
    const title = await chain().readContract({
      address: await registry(),
      abi: provenanceRegistryAbi,
      functionName: "workOf",
      args: [BigInt(sha256)],
    });
    const [kept] = await storedCommitments();
    const anchoredAt = await chain().readContract({
      address: await registry(),
      abi: provenanceRegistryAbi,
      functionName: "batchTime",
      args: [kept?.batch?.submitter as Address, kept?.batch?.root as Hex],
    });
    expect((title as { registeredAt: bigint }).registeredAt).to.equal(anchoredAt);
    expect(kept?.revealId).to.be.a("string");
    // Its certificate and evidence are there to download.
    const certificate = await page.getByRole("link", { name: "Download the certificate (PDF)" }).getAttribute("href");
    const pdf = await fetch(`${server.url}${certificate}`);
    expect([pdf.status, pdf.headers.get("content-type")]).to.deep.equal([200, "application/pdf"]);
    expect(await page.locator("#share-link").inputValue()).to.equal(`${server.url}/works/${sha256}`);
    await journeyScreenshots(page, "artisan-registered");
  });

  it("edits the creator's own profile by signing it with the built-in account, no fee", async () => {
    // Client-side from the registration: the account chosen there still signs.
    await page.getByRole("link", { name: "Open the work's page" }).click();
    await page.locator(`a[href="/creators/${creator.toLowerCase()}"]`).first().click();
    await page.getByRole("button", { name: "Edit my profile" }).click();
    await page.getByLabel("Name in Chinese").fill("陈绣娘");
    await page.getByLabel("Name in English").fill("Chen Xiuniang");
    await page.getByLabel("Craft").fill("羌绣 Qiang embroidery");
    await page.getByLabel("Links (https, one per line)").fill("https://example.org/chen");
    // A picture: a file that is not one is refused in words (the server reads its bytes); an image is uploaded and shown.
    const picture = page.getByLabel(/^Picture/);
    await picture.setInputFiles({ name: "chen.png", mimeType: "image/png", buffer: Buffer.from("not a picture") });
    await page.getByText("chen.png is not a picture the pages can show").waitFor();
    const png = Buffer.from(encodePng(generateDesign(9_200, 96)).bytes);
    await picture.setInputFiles({ name: "chen.png", mimeType: "image/png", buffer: png });
    await page.getByRole("img", { name: "Your picture" }).waitFor();
    await page.getByRole("button", { name: "Sign and publish" }).click();
    await page.getByText("Saved: your signed profile is published.").waitFor();
    await page.getByRole("heading", { level: 1, name: "Chen Xiuniang" }).waitFor();
    const shown = page.getByRole("img", { name: "Picture of Chen Xiuniang" });
    await shown.waitFor();
    await page.waitForLoadState("networkidle");
    // Runs in the page: the element as an image has it (DOM types are not this program's).
    const drawn = await shown.evaluate((element) => {
      const img = element as unknown as { complete: boolean; naturalWidth: number };
      return img.complete ? img.naturalWidth : 0;
    });
    expect(drawn, "the picture drawn").to.equal(96);
    const { data } = await titlechainClient(server.url).GET("/api/profiles/{account}", {
      params: { path: { account: creator } },
    });
    expect([data?.profile?.nameZh, data?.profile?.links]).to.deep.equal(["陈绣娘", ["https://example.org/chen"]]);
    const served = await fetch(`${server.url}/ipfs/${data?.profile?.avatarCid}`);
    expect(Buffer.from(await served.arrayBuffer()).equals(png), "the picture the profile names").to.equal(true);
    expect(await chain().getBalance({ address: creator })).to.equal(0n);
    // A link that is not https is refused by the API, named in words, and the stored profile stays.
    await page.getByRole("button", { name: "Edit my profile" }).click();
    await page.getByLabel("Links (https, one per line)").fill("javascript:alert(1)");
    await page.getByRole("button", { name: "Sign and publish" }).click();
    await page.locator(".creator [role=alert]").waitFor();
    const again = await titlechainClient(server.url).GET("/api/profiles/{account}", {
      params: { path: { account: creator } },
    });
    expect(again.data?.profile?.links).to.deep.equal(["https://example.org/chen"]);
  });

  it("warns of a near duplicate with both images, then registers publicly with an injected wallet signing", async () => {
    await page.goto(`${server.url}/register`, { waitUntil: "networkidle" });
    await page.getByRole("button", { name: "Sign with Test Wallet" }).click();
    await page.getByText("Signing with Test Wallet:").waitFor();
    await page.getByLabel("Choose or drop the design's file").setInputFiles(files["near"] as string);
    await page.getByRole("heading", { name: /registered works? looks? similar/ }).waitFor({ timeout: 30_000 });
    const images = page.locator(".near-duplicates img");
    await waitFor("both images", async () => (await images.count()) >= 2);
    await waitFor("the images drawn", async () =>
      (
        await images.evaluateAll((all) => all.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth))
      ).every((w) => w > 0),
    );
    const sources = await images.evaluateAll((all) => all.map((i) => (i as unknown as { src: string }).src));
    expect(sources[0]).to.match(/^blob:/);
    expect(sources.slice(1).every((s) => /\/ipfs\/b[a-z2-7]+$/.test(s))).to.equal(true);

    await page.getByLabel("Title in English").fill("Near apron");
    await page.getByLabel("Royalty on resales (%)").fill("80");
    await page.getByRole("button", { name: "Register without fees" }).click();
    expect(await page.getByText("Give a percentage from 0 to 50").count()).to.equal(1);
    await page.getByLabel("Royalty on resales (%)").fill("2.5");
    await page.getByRole("button", { name: "Register without fees" }).click();
    await page.getByRole("heading", { name: "Registered", exact: true }).waitFor({ timeout: 90_000 });
    const work = (await (await fetch(`${server.url}/api/works/${sha256Of(NEAR_DESIGN)}`)).json()) as {
      creator: string;
    };
    expect(work.creator.toLowerCase()).to.equal(WALLET_ACCOUNT.toLowerCase());
    const royalty = await chain().readContract({
      address: await registry(),
      abi: provenanceRegistryAbi,
      functionName: "royaltyInfo",
      args: [BigInt(sha256Of(NEAR_DESIGN)), 10_000n],
    });
    expect(royalty).to.deep.equal([WALLET_ACCOUNT, 250n]);
  });

  it("registers with the wallet paying the ledger's fees itself: its own commitment, its reveal and a co-owner's split", async () => {
    const design = encodePng(generateDesign(9_200, 192)).bytes;
    const file = join(dir, "paid.png");
    await writeFile(file, design);
    const before = await chain().getBalance({ address: WALLET_ACCOUNT });
    // The wallet chosen in the last test still signs.
    await page.getByRole("button", { name: "Register another design" }).click();
    await page.getByLabel("My wallet (you confirm and pay each transaction)").check();
    await page.getByLabel("Choose or drop the design's file").setInputFiles(file);
    await page.getByLabel("Title in Chinese").fill("自付费登记");
    // A co-owner sharing the licence revenue: a bad address is named first, then 30% to the cooperative.
    await page.getByRole("button", { name: "Add a co-owner" }).click();
    await page.getByLabel("Co-owner 1: account").fill("0x1234");
    await page.getByLabel("Co-owner 1: share (%)").fill("30");
    await page.getByRole("button", { name: "Register, paying from my wallet" }).click();
    await page.getByText("Each co-owner needs an account address").waitFor();
    await page.getByLabel("Co-owner 1: account").fill(CO_OWNER);
    const submit = page.getByRole("button", { name: "Register, paying from my wallet" });
    await waitFor("the register button", () => submit.isEnabled());
    await submit.click();
    await page.getByRole("heading", { name: "Registered", exact: true }).waitFor({ timeout: 90_000 });
    const sha256 = sha256Of(design);
    const kept = (await storedCommitments()).find((c) => c.sha256 === sha256);
    expect(kept?.batch).to.equal(undefined);
    const committedAt = await chain().readContract({
      address: await registry(),
      abi: provenanceRegistryAbi,
      functionName: "commitmentTime",
      args: [commitmentOf(WALLET_ACCOUNT, sha256, kept?.salt as Hex)],
    });
    const work = await chain().readContract({
      address: await registry(),
      abi: provenanceRegistryAbi,
      functionName: "workOf",
      args: [BigInt(sha256)],
    });
    expect((work as { registeredAt: bigint }).registeredAt).to.equal(committedAt);
    // The split sent by the wallet: the cooperative 30%, the creator the rest, and the ledger's mirror shows it.
    const ledger = ((await (await fetch(`${server.url}/api/deployment`)).json()) as { ledger: Address }).ledger;
    const [version] = await chain().readContract({
      address: ledger,
      abi: licenceLedgerAbi,
      functionName: "currentSplit",
      args: [BigInt(sha256)],
    });
    const [, payees] = await chain().readContract({
      address: ledger,
      abi: licenceLedgerAbi,
      functionName: "splitOf",
      args: [BigInt(sha256), version],
    });
    expect(payees.map((p) => [p.account.toLowerCase(), p.shareBps])).to.deep.equal([
      [WALLET_ACCOUNT.toLowerCase(), 7_000],
      [CO_OWNER.toLowerCase(), 3_000],
    ]);
    await waitFor("the split in the chain of title", async () => {
      const title = (await (await fetch(`${server.url}/api/works/${sha256}/title`)).json()) as {
        entries: { kind: string }[];
      };
      return title.entries.some((e) => e.kind === "splitsSet");
    });
    // Three transactions' fees left the wallet.
    expect((await chain().getBalance({ address: WALLET_ACCOUNT })) < before).to.equal(true);
  });

  it("exports the key and imports it again, and refuses a wrong passphrase or a file that is not a keystore", async () => {
    await page.goto(`${server.url}/register`, { waitUntil: "networkidle" });
    await page.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
    await page.getByRole("button", { name: "Unlock" }).click();
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export a copy (keystore file)" }).click();
    const exported = await download;
    expect(exported.suggestedFilename()).to.match(new RegExp(`^UTC--.+--${creator.slice(2).toLowerCase()}\\.json$`));
    const keystoreFile = join(dir, exported.suggestedFilename());
    await exported.saveAs(keystoreFile);
    await page.getByRole("button", { name: "Use another account" }).click();
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Remove the account from this browser" }).click();
    expect(await page.evaluate(() => localStorage.getItem("titlechain.keystore"))).to.equal(null);

    await page.getByText("Use an account from a keystore file").click();
    await page.getByLabel("Keystore file (JSON)").setInputFiles(files["near"] as string);
    await page.getByLabel("The file's passphrase").fill(PASSPHRASE);
    await page.getByRole("button", { name: "Import" }).click();
    expect(await page.locator("details [role=alert]").innerText()).to.match(/^near\.png: not a keystore/);
    await page.getByLabel("Keystore file (JSON)").setInputFiles(keystoreFile);
    await page.getByLabel("The file's passphrase").fill("wrong");
    await page.getByRole("button", { name: "Import" }).click();
    await waitFor("the refusal", async () =>
      /does not open the account/.test(await page.locator("details [role=alert]").innerText()),
    );
    expect(await page.evaluate(() => localStorage.getItem("titlechain.keystore"))).to.equal(null);
    await page.getByLabel("The file's passphrase").fill(PASSPHRASE);
    await page.getByRole("button", { name: "Import" }).click();
    await page.getByText("Signing with the account kept in this browser:").waitFor();
    expect((await page.locator(".account code").innerText()).toLowerCase()).to.equal(creator.toLowerCase());
  });

  it("has no serious accessibility violation at phone and desktop widths, and breaks no policy", async () => {
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${server.url}/register`, { waitUntil: "networkidle" });
      expect(await seriousViolations(page), `account form at ${width}`).to.deep.equal([]);
      await page.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
      await page.getByRole("button", { name: "Unlock" }).click();
      await page.getByText("Signing with the account kept in this browser:").waitFor();
      await page.getByLabel("Choose or drop the design's file").setInputFiles(files["near"] as string);
      await page.getByText("This exact file is already registered.").waitFor();
      expect(await seriousViolations(page), `registration form at ${width}`).to.deep.equal([]);
    }
    expect(watch.violations).to.deep.equal([]);
    expect(watch.errors).to.deep.equal([]);
  });
});
