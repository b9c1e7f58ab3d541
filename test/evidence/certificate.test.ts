// The certificate PDF: drawn from a real bundle, its Chinese text embedded and rendered, its signature checked by
// pdfsig, its bundle attached, the same bundle giving the same document.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { PNG } from "pngjs";
import type { EvidenceBundle } from "../../core/evidence/bundle.ts";
import { certificatePdf, DEVELOPMENT_OPERATOR } from "../../server/evidence/certificate.ts";
import { type EvidenceScenario, evidenceScenario } from "./scenario.ts";

const run = promisify(execFile);

/** Every text item of every page, and the attachments, as pdf.js reads them. */
async function readPdf(
  bytes: Uint8Array,
): Promise<{ text: string; pages: number; attachments: Record<string, Uint8Array> }> {
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const task = pdfjs.getDocument({ data: new Uint8Array(bytes), useSystemFonts: false });
  try {
    const doc = await task.promise;
    const parts: string[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const content = await (await doc.getPage(i)).getTextContent();
      parts.push(content.items.map((item) => ("str" in item ? item.str : "")).join(""));
    }
    const attachments: Record<string, Uint8Array> = {};
    for (const [id, attachment] of (await doc.getAttachments()) ?? new Map()) {
      const content = attachment.content ?? (await doc.getAttachmentContent(id));
      if (content) attachments[attachment.filename] = content;
    }
    return { text: parts.join("\n"), pages: doc.numPages, attachments };
  } finally {
    await task.destroy();
  }
}

describe("the certificate PDF of a work", function () {
  this.timeout(300_000);
  let s: EvidenceScenario;
  let dir: string;
  let pdf: Uint8Array;
  let bundle: EvidenceBundle;

  before(async () => {
    s = await evidenceScenario();
    dir = await mkdtemp(join(tmpdir(), "titlechain-certificate-"));
    const res = await s.f.app.inject({ method: "GET", url: `/api/works/${s.contentHash}/certificate.pdf` });
    expect(res.statusCode, res.body).to.equal(200);
    expect(res.headers["content-type"]).to.equal("application/pdf");
    pdf = res.rawPayload;
    await writeFile(join(dir, "certificate.pdf"), pdf);
  });
  after(async () => {
    await s?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("carries the title in Chinese, the file's SHA-256, the registration transaction and its bundle", async () => {
    const { text, attachments } = await readPdf(pdf);
    bundle = JSON.parse(new TextDecoder().decode(attachments["evidence.json"])) as EvidenceBundle;
    expect(bundle.manifest.work.contentHash).to.equal(s.contentHash);
    expect(text).to.contain("羌绣 云纹");
    expect(text).to.contain("作品存证证书");
    expect(text).to.contain(s.contentHash);
    expect(text).to.contain(bundle.manifest.registration.transactionHash);
    expect(text).to.contain("不是国家版权登记机关颁发的作品登记证书");
    expect(text).to.contain("It is not an official copyright registration certificate");
    expect(text).to.contain(`/verify/${s.contentHash}`);
    // The QR code opens the web front end's verify page of this hash, which asks the API for its verdict.
    const page = await s.f.app.inject({ method: "GET", url: `/verify/${s.contentHash}` });
    expect(page.statusCode).to.equal(200);
    expect(page.headers["content-type"]).to.match(/text\/html/);
    const verdict = await s.f.app.inject({ method: "GET", url: `/api/verify/${s.contentHash}` });
    expect((verdict.json() as { registered: boolean }).registered).to.equal(true);
  });

  it("is signed by the platform, and pdfsig reports the signature valid over the whole document", async () => {
    const { stdout } = await run("pdfsig", [join(dir, "certificate.pdf")]);
    expect(stdout).to.contain("Signature is Valid");
    expect(stdout).to.contain("Total document signed");
    expect(stdout).to.contain("Signer Certificate Common Name: Titlechain development platform");
    const altered = Buffer.from(pdf);
    const at = altered.indexOf("/Title");
    altered[at + 10] = (altered[at + 10] as number) ^ 1;
    await writeFile(join(dir, "altered.pdf"), altered);
    const broken = await run("pdfsig", [join(dir, "altered.pdf")]).catch((e: { stdout: string }) => e);
    expect(broken.stdout).to.not.contain("Signature is Valid");
  });

  it("renders real glyphs: the first page is not blank where the Chinese heading is drawn", async () => {
    await run("pdftoppm", ["-r", "72", "-f", "1", "-l", "1", "-png", join(dir, "certificate.pdf"), join(dir, "page")]);
    const png = PNG.sync.read(await readFile(join(dir, "page-1.png")));
    // The heading's band: the top left, left of the QR code.
    let dark = 0;
    for (let y = Math.round(png.height * 0.04); y < Math.round(png.height * 0.1); y++) {
      for (let x = Math.round(png.width * 0.07); x < Math.round(png.width * 0.5); x++) {
        if ((png.data[(y * png.width + x) * 4] as number) < 160) dark++;
      }
    }
    expect(dark, "ink of the heading").to.be.greaterThan(400);
  });

  it("is the same document for the same bundle, and a forged bundle gets no certificate", async () => {
    const at = new Date("2026-01-02T03:04:05Z");
    const options = {
      operator: DEVELOPMENT_OPERATOR,
      verifyUrl: "https://titlechain.example/verify/x",
      signer: s.signer,
      signingTime: at,
    };
    const [a, b] = [await certificatePdf(bundle, options), await certificatePdf(bundle, options)];
    expect(Buffer.from(a).equals(Buffer.from(b))).to.equal(true);
    const again = await s.f.app.inject({ method: "POST", url: "/api/evidence/certificate", payload: { bundle } });
    expect(again.statusCode, again.body).to.equal(200);
    expect((await readPdf(again.rawPayload)).attachments["evidence.json"]).to.deep.equal(
      new TextEncoder().encode(`${JSON.stringify(bundle, null, 2)}\n`),
    );
    const forged = structuredClone(bundle);
    forged.manifest.work.owner = "0x000000000000000000000000000000000000dead";
    const refused = await s.f.app.inject({
      method: "POST",
      url: "/api/evidence/certificate",
      payload: { bundle: forged },
    });
    expect(refused.statusCode).to.equal(422);
    expect((refused.json() as { detail: string }).detail).to.match(/manifest: the manifest hashes to/);
  });
});
