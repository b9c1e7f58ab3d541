// The browser tests' handles: Debian's Chromium through playwright-core, policy violations caught, axe, bundle sizes.
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import AxeBuilder from "@axe-core/playwright";
import type { BrowserContext, Page } from "playwright-core";

export { type Browser, CHROMIUM, launchBrowser } from "../../scripts/chromium.ts";
export const WEB_DIST = new URL("../../web/dist/", import.meta.url).pathname;

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

/**
 * Injects an EIP-1193 wallet into every page of `page`'s context that announces itself by EIP-6963 and forwards each
 * request to the chain node, where `account` is one of anvil's unlocked development accounts: the page signs and
 * sends through it as through a browser wallet.
 */
export async function injectWallet(page: Page, chainUrl: string, account: string, name = "Test Wallet"): Promise<void> {
  let id = 0;
  await page.exposeFunction("__walletRequest", async (method: string, params: unknown) => {
    if (method === "eth_requestAccounts" || method === "eth_accounts") return { result: [account] };
    const response = await fetch(chainUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
    });
    return (await response.json()) as { result?: unknown; error?: { code: number; message: string } };
  });
  // Given as text: a function would be serialised as the test runner's transpiler left it, helpers and all.
  const info = {
    uuid: "6b0e2f1a-3f7e-4c6b-9a51-1d2b3c4d5e6f",
    name,
    icon: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    rdns: "org.titlechain.test",
  };
  await page.addInitScript({
    content: `(() => {
      const provider = {
        request: async ({ method, params }) => {
          const answer = await window.__walletRequest(method, params);
          if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error);
          return answer.result;
        },
        on: () => undefined,
        removeListener: () => undefined,
      };
      const detail = Object.freeze({ info: ${JSON.stringify(info)}, provider });
      const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail }));
      window.addEventListener("eip6963:requestProvider", announce);
      announce();
    })();`,
  });
}

/** Where the journeys' screenshots go (git-ignored); the tests print what they wrote, so CI's log lists them. */
export const SCREENSHOTS = new URL("../../test-results/screenshots/", import.meta.url).pathname;

/**
 * The page as it is now at a phone's width (375 px) and a desktop's (1280 px), full height, as
 * `test-results/screenshots/<name>-phone.png` and `-desktop.png`; returns the files. The viewport is put back.
 */
export async function journeyScreenshots(page: Page, name: string): Promise<string[]> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const viewport = page.viewportSize() ?? { width: 1280, height: 900 };
  const files: string[] = [];
  for (const [size, width] of [
    ["phone", 375],
    ["desktop", 1280],
  ] as const) {
    await page.setViewportSize({ width, height: 900 });
    const file = join(SCREENSHOTS, `${name}-${size}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  await page.setViewportSize(viewport);
  process.stdout.write(`      screenshots: ${files.map((f) => f.slice(f.indexOf("test-results/"))).join(", ")}\n`);
  return files;
}
