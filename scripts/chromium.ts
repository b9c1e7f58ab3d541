// Debian's Chromium through playwright-core on a fresh profile, with the project's Chinese font: for tests and scripts.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export type Browser = { context: BrowserContext; close: () => Promise<void> };

/** The project's own Chinese font (the certificate's), so pages in Chinese draw their glyphs on a bare machine too. */
const CJK_FONT_DIR = new URL("../node_modules/@expo-google-fonts/noto-sans-sc/", import.meta.url).pathname;

/** A fontconfig file: the machine's fonts and the project's Noto Sans SC (regular and bold). */
async function fontConfig(profile: string): Promise<string> {
  const file = join(profile, "fonts.conf");
  await writeFile(
    file,
    `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${join(CJK_FONT_DIR, "400Regular")}</dir>
  <dir>${join(CJK_FONT_DIR, "700Bold")}</dir>
  <cachedir>${join(profile, "fontconfig-cache")}</cachedir>
</fontconfig>
`,
  );
  return file;
}

/** Chromium headless on a fresh profile, in English as a browser in the US would be (or in `locale`). */
export async function launchBrowser(locale = "en-US"): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "titlechain-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    env: { ...process.env, FONTCONFIG_FILE: await fontConfig(profile) },
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
    locale,
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
