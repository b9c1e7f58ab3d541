// `npm run screenshots`: the README's pictures of the main pages, taken in Chromium on a fresh demo market.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { launchBrowser } from "./chromium.ts";
import { encodePng, generateDesign } from "./designs.ts";
import { startEntry } from "./entry-process.ts";

const OUT = new URL("../docs/screenshots/", import.meta.url).pathname;

async function until(what: string, check: () => Promise<boolean> | boolean, seconds = 300): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The visible part of the page (not the whole scroll) at the viewport's size, as docs/screenshots/<name>.png. */
async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: join(OUT, `${name}.png`) });
  process.stdout.write(`docs/screenshots/${name}.png\n`);
}

const dir = await mkdtemp(join(tmpdir(), "titlechain-screenshots-"));
const entry = await startEntry(join(dir, "data"), ["--demo"]);
try {
  await until("the demo", () => /the demonstration market is seeded|demo seeding failed/.test(entry.stderr()));
  if (!/the demonstration market is seeded/.test(entry.stderr())) throw new Error(entry.stderr().slice(-2000));
  await mkdir(OUT, { recursive: true });
  const works = (await (await fetch(`${entry.url}/api/works?q=${encodeURIComponent("羌绣")}&limit=5`)).json()) as {
    works: { workId: string }[];
  };
  const first = `0x${BigInt(works.works[0]?.workId ?? 0)
    .toString(16)
    .padStart(64, "0")}`;

  for (const [locale, suffix] of [
    ["en-US", ""],
    ["zh-CN", "-zh"],
  ] as const) {
    const browser = await launchBrowser(locale);
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${entry.url}/?q=${encodeURIComponent("羌绣")}`);
    await page.locator(".cards li").first().waitFor();
    await shoot(page, `search${suffix}`);
    await page.goto(`${entry.url}/works/${first}`);
    await page.locator("img.work-image").first().waitFor();
    await shoot(page, `work${suffix}`);
    await page.goto(`${entry.url}/market`);
    await page.locator("canvas").first().waitFor();
    await shoot(page, `market${suffix}`);
    await page.goto(`${entry.url}/audit`);
    await page.locator("table.audit tbody tr").first().waitFor();
    await shoot(page, `audit${suffix}`);

    // Registering: an account made in the browser, a file a few pixels from a registered design (prior art shown).
    await page.goto(`${entry.url}/register`);
    const design = generateDesign(7_000, 192);
    for (let i = 0; i < 40; i += 4) design.rgba[i] = ((design.rgba[i] ?? 0) + 9) % 256;
    const file = join(dir, "design.png");
    await writeFile(file, encodePng(design).bytes);
    await page.locator('input[type="password"]').nth(0).fill("a passphrase for the picture");
    await page.locator('input[type="password"]').nth(1).fill("a passphrase for the picture");
    await page.locator('.account input[type="checkbox"]').check();
    await page.locator('.account button[type="submit"]').first().click();
    await page.locator(".account code").waitFor();
    await page.locator('.register input[type="file"]').setInputFiles(file);
    await page.locator(".near-duplicates img").nth(1).waitFor();
    await page.locator(".near-duplicates").scrollIntoViewIfNeeded();
    await shoot(page, `register${suffix}`);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${entry.url}/works/${first}`);
    await page.locator("img.work-image").first().waitFor();
    await shoot(page, `work-phone${suffix}`);
    await browser.close();
  }
} finally {
  await entry.stop();
  await rm(dir, { recursive: true, force: true });
}
