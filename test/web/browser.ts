// The browser tests' handles: Debian's Chromium through playwright-core, policy violations caught, axe, bundle sizes.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import AxeBuilder from "@axe-core/playwright";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const WEB_DIST = new URL("../../web/dist/", import.meta.url).pathname;

export type Browser = { context: BrowserContext; close: () => Promise<void> };

/** Chromium headless on a fresh profile, in English as a browser in the US would be. */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "titlechain-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    locale: "en-US",
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** What a page reported that the tests forbid: policy violations (from the event and the console) and page errors. */
export type PageWatch = { violations: string[]; errors: string[]; scripts: string[] };

/**
 * A new page that records every Content-Security-Policy (and Trusted Types) violation, every uncaught error and
 * every script it loads.
 */
export async function watchedPage(context: BrowserContext): Promise<{ page: Page; watch: PageWatch }> {
  const page = await context.newPage();
  const watch: PageWatch = { violations: [], errors: [], scripts: [] };
  await page.exposeFunction("__reportViolation", (text: string) => watch.violations.push(text));
  await page.addInitScript(() => {
    // Runs in the page (DOM types are not this program's): the event as SecurityPolicyViolationEvent has it.
    type Violation = { violatedDirective: string; blockedURI: string; sourceFile: string; lineNumber: number };
    const page = globalThis as unknown as {
      document: { addEventListener: (type: string, listener: (e: Violation) => void) => void };
      __reportViolation: (text: string) => void;
    };
    page.document.addEventListener("securitypolicyviolation", (e) => {
      page.__reportViolation(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  page.on("console", (message) => {
    if (/Content Security Policy|Trusted Type|Refused to/i.test(message.text())) watch.violations.push(message.text());
  });
  page.on("pageerror", (error) => watch.errors.push(error.message));
  page.on("response", (response) => {
    if (response.request().resourceType() === "script") watch.scripts.push(new URL(response.url()).pathname);
  });
  return { page, watch };
}

/** axe-core's serious and critical violations on the page as it is now, each as "rule: target". */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(" ")} — ${v.help}`));
}

/** The gzipped size in bytes of built scripts, by their URL paths (/assets/x.js), read from web/dist. */
export async function gzippedBytes(paths: readonly string[]): Promise<number> {
  let total = 0;
  for (const path of new Set(paths)) {
    total += gzipSync(await readFile(join(WEB_DIST, path)), { level: 9 }).length;
  }
  return total;
}
