// Hostile content against the whole server process: scripts in files and metadata, encoded traversal, formula cells,
// huge and ill-formed text, decompression bombs; nothing executes, escapes the store or exhausts memory.
import { request as httpRequest } from "node:http";
import { crc32, deflateSync } from "node:zlib";
import { expect } from "chai";
import jpeg from "jpeg-js";
import type { Hex } from "viem";
import { xml2js } from "xml-js";
import { buildWorkMetadata } from "../../core/metadata.ts";
import { MAX_PIXELS } from "../../server/content/image.ts";
import { registerWork } from "../web/demo.ts";
import { type System, sampleRss, startSystem } from "./load-server.ts";

/** A PNG of `width` x `height` black pixels, one bit each: a few KB that decode to width * height * 4 bytes. */
function zeroPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body) >>> 0, 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth 1, greyscale
  const rows = Buffer.alloc((Math.ceil(width / 8) + 1) * height);
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([
    signature,
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(rows, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A real 16x16 JPEG whose frame header then claims 65000 x 65000 pixels. */
function oversizedJpeg(): Buffer {
  const bytes = Buffer.from(jpeg.encode({ data: Buffer.alloc(16 * 16 * 4, 128), width: 16, height: 16 }, 80).data);
  const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
  bytes.writeUInt16BE(65_000, sof + 5);
  bytes.writeUInt16BE(65_000, sof + 7);
  return bytes;
}

/** A GET with the path sent exactly as written (fetch would resolve dot segments first). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: "GET" }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("latin1") }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** What a read outside the store would show: a system file, the project's package.json, a key, another file's bytes. */
const LEAKS = /root:x:0:0|"devDependencies"|PRIVATE KEY|inside the store/;

type Uploaded = { sha256: Hex; cid: string; size: number; mediaType: string; perceptualHash: string | null };

describe("hostile content against the whole server (embedded chain, PGlite, embedded store)", function () {
  this.timeout(240_000);
  let sys: System;
  const upload = async (bytes: Uint8Array, type: string) => {
    const res = await fetch(`${sys.url}/api/files`, { method: "POST", headers: { "content-type": type }, body: bytes });
    return { status: res.status, body: (await res.json()) as Uploaded };
  };

  before(async () => {
    sys = await startSystem("hostile");
  });
  after(async () => {
    await sys?.stop();
  });

  it("serves uploaded HTML, SVG and script as sandboxed attachments with nosniff, byte for byte, whole or in part", async () => {
    const files: [string, string][] = [
      ["text/html", "<!doctype html><html><body><script>parent.alert(document.cookie)</script></body></html>"],
      ["image/svg+xml", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><circle r="4"/></svg>'],
      ["application/javascript", "fetch('/api/relay').then(r => r.text()).then(alert)"],
      ["image/png", "<html><script>alert('declared a PNG, is HTML')</script></html>"],
    ];
    for (const [type, text] of files) {
      const { status, body: file } = await upload(Buffer.from(text), type);
      expect(status, type).to.equal(200);
      for (const range of [undefined, "bytes=0-9"]) {
        const res = await fetch(`${sys.url}/ipfs/${file.cid}`, range ? { headers: { range } } : {});
        expect(res.status, `${type} ${range}`).to.equal(range ? 206 : 200);
        expect(res.headers.get("content-type"), type).to.equal("application/octet-stream");
        expect(res.headers.get("content-disposition"), type).to.match(/^attachment/);
        expect(res.headers.get("x-content-type-options")).to.equal("nosniff");
        expect(res.headers.get("content-security-policy"))
          .to.match(/default-src 'none'/)
          .and.to.match(/sandbox/);
        const bytes = Buffer.from(await res.arrayBuffer()).toString();
        expect(bytes, type).to.equal(range ? text.slice(0, 10) : text);
      }
    }
  });

  it("answers traversal and encoding tricks in gateway, metadata and page paths with 4xx, never a byte from outside", async () => {
    const { body: file } = await upload(Buffer.from("inside the store"), "text/plain");
    const tricks = [
      "../../../../etc/passwd",
      "..%2f..%2f..%2f..%2fetc%2fpasswd",
      "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
      "..%5c..%5c..%5cpackage.json",
      "..\\..\\..\\package.json",
      "%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afetc%c0%afpasswd",
      `${file.cid}%00.html`,
      `${file.cid}%00/../../../../etc/passwd`,
      `${file.cid}/../../../../../package.json`,
      `${file.cid}%2f..%2f..%2f..%2fpackage.json`,
      "%2fetc%2fpasswd",
      "%ED%A0%80",
    ];
    const paths = tricks.flatMap((t) => [`/ipfs/${t}`, `/api/metadata/${t}`, `/api/files/${t}`]);
    for (const path of paths) {
      const res = await rawGet(sys.url, path);
      expect(res.status, `${path}: ${res.body.slice(0, 200)}`).to.be.within(400, 499);
      expect(res.body, path).not.to.match(LEAKS);
    }
    // Page paths answer the app's own page (its router says what is not found), never a file from the disk.
    const index = (await rawGet(sys.url, "/")).body;
    for (const path of [
      "/assets/..%2f..%2f..%2fpackage.json",
      "/assets/%2e%2e/%2e%2e/%2e%2e/package.json",
      "/..%2f..%2f..%2fetc%2fpasswd",
      "//etc/passwd",
      "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/works/..%2f..%2f..%2f..%2fpackage.json",
      "/works/%00",
    ]) {
      const res = await rawGet(sys.url, path);
      expect(res.body, path).not.to.match(LEAKS);
      if (res.status === 200) expect(res.body, path).to.equal(index);
      else expect(res.status, path).to.be.within(400, 499);
    }
    expect((await rawGet(sys.url, `/ipfs/${file.cid}`)).body, "the file itself still reads").to.equal(
      "inside the store",
    );
  });

  it("stores hostile metadata as data: JSON answers it verbatim, the Atom feed escapes it and parses, pages never echo it", async () => {
    const name = '<script>alert("x")</script><img src=x onerror=alert(1)> ]]><x/> \u202egpj.exe & 羌绣';
    const description = `=HYPERLINK("http://evil.example","click") ${"\u200f\u202d".repeat(10)} ${"長".repeat(4900)}`;
    // Whole documents, valid but for one field: refused, or stored as well-formed Unicode.
    const { body: file } = await upload(Buffer.from(`described ${Date.now()}`), "application/octet-stream");
    const doc = (badName: string) =>
      JSON.stringify(
        buildWorkMetadata({
          name: "PLACEHOLDER",
          description: "d",
          i18n: { en: { name: "n" } },
          creator: [{ "@type": "Person", name: "c" }],
          dateCreated: "2026",
          content: { sha256: file.sha256, cid: file.cid, size: file.size, mediaType: file.mediaType },
        }),
      ).replace("PLACEHOLDER", badName);
    const tricky: [string, Buffer][] = [
      ["a lone surrogate", Buffer.from(doc("a\\ud800b"))],
      ["bytes that are not UTF-8", Buffer.from(doc("aQQQQb").replace("QQQQ", "\xff\xfe\xc0\xaf"), "latin1")],
      ["a 2 MiB name", Buffer.from(doc("x".repeat(2 * 1024 * 1024)))],
    ];
    for (const [what, body] of tricky) {
      // A body over the limit may be cut off unread (413, the connection closed while it is still being sent).
      const res = await fetch(`${sys.url}/api/metadata`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      }).catch((error: Error) => ({ status: 413, text: async () => String(error.cause ?? error) }));
      const answer = await res.text();
      if (res.status === 200) {
        const stored = await fetch(`${sys.url}/api/metadata/${(JSON.parse(answer) as { cid: string }).cid}`);
        const text = new TextDecoder("utf-8", { fatal: true }).decode(await stored.arrayBuffer());
        expect(text.isWellFormed(), `${what} stored as ${text.slice(0, 200)}`).to.equal(true);
      } else expect(res.status, `${what}: ${answer.slice(0, 200)}`).to.be.within(400, 499);
    }
    expect((await fetch(`${sys.url}/health`)).status, "still serving").to.equal(200);
    const { id } = await registerWork(sys.server, Buffer.from(`hostile ${Date.now()}`), {
      name,
      description,
      i18n: { en: { name }, zh: { name } },
      creator: [{ "@type": "Person", name: "<b onmouseover=alert(1)>Artisan</b>" }],
    });
    type Detail = { metadata: { status: string; name: string | null; description: string | null } };
    const detailOf = async () => (await (await fetch(`${sys.url}/api/works/${id}`)).json()) as Detail;
    await sys.waitFor("the work and its metadata indexed", async () => (await detailOf()).metadata?.status === "ok");
    const detail = await fetch(`${sys.url}/api/works/${id}`);
    expect(detail.headers.get("content-type")).to.match(/^application\/json/);
    expect(detail.headers.get("x-content-type-options")).to.equal("nosniff");
    const { metadata } = (await detail.json()) as Detail;
    expect(metadata.name, "the record is what the creator wrote").to.equal(name);
    expect(metadata.description).to.equal(description);

    for (const query of [
      "",
      `?q=${encodeURIComponent("<script>")}`,
      `?technique=${encodeURIComponent("<svg/onload=x>")}`,
    ]) {
      const res = await fetch(`${sys.url}/api/feeds/works.atom${query}`);
      expect(res.status, query).to.equal(200);
      const xml = await res.text();
      // Well-formed XML, whose text (the feed marks titles type="html") holds no markup, only its escaped form.
      const doc = xml2js(xml, { compact: false }) as { elements: XmlNode[] };
      const texts = textsOf(doc.elements);
      for (const t of texts) expect(t, query).not.to.match(/<[a-z!/]/i);
      if (query === "") expect(texts.some((t) => t.includes("&#60;script&#62;alert"))).to.equal(true);
    }
    for (const page of [`/works/${id}`, `/verify/${id}`, "/"]) {
      const html = await (await fetch(`${sys.url}${page}`, { headers: { accept: "text/html" } })).text();
      expect(html, page).not.to.include("alert(");
      expect(html, page).not.to.include("\u202e");
    }
  });

  it("exports the audit as CSV without a cell a spreadsheet would run as a formula", async () => {
    const res = await fetch(`${sys.url}/api/audit.csv?limit=1000`);
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.match(/^text\/csv/);
    const cells = csvCells(await res.text());
    expect(cells.length, "the export has rows").to.be.greaterThan(11);
    for (const cell of cells) expect(cell, cell).not.to.match(/^[=+\-@\t\r]/);
  });

  it("refuses to decode a 20000 x 20000 PNG bomb and a JPEG claiming 65000 x 65000 without the server's memory moving", async () => {
    for (const [what, bytes, type] of [
      ["PNG bomb", zeroPng(20_000, 20_000), "image/png"],
      ["oversized JPEG", oversizedJpeg(), "image/jpeg"],
    ] as const) {
      const before = sys.rssMiB();
      const rss = sampleRss(sys.server.process.pid as number, 20);
      const { status, body } = await upload(bytes, type);
      rss.stop();
      expect(status, what).to.be.oneOf([200, 413, 415, 422]);
      if (status === 200) expect(body.perceptualHash, what).to.equal(null);
      expect(rss.peak() - before, `${what}: RSS peak over ${before.toFixed(0)} MiB`).to.be.below(64);
    }
  });

  // A bomb of the largest size decoded for hashing (MAX_PIXELS): at 50 M pixels this cost ~550 MiB and seconds of a
  // blocked event loop (RGBA plus a full-size luminance image); the cap is now a 4,000 x 3,000 photograph, and
  // luminance is averaged in blocks before hashing.
  it("hashes a PNG bomb just under the pixel cap without RSS jumping or the server stalling", async () => {
    const side = Math.floor(Math.sqrt(MAX_PIXELS));
    const bomb = zeroPng(side, side);
    expect(bomb.length, "a few KB").to.be.below(16 * 1024);
    const before = sys.rssMiB();
    const rss = sampleRss(sys.server.process.pid as number, 20);
    const stalls: number[] = [];
    let uploading = true;
    const probe = (async () => {
      while (uploading) {
        const started = performance.now();
        await fetch(`${sys.url}/health`);
        stalls.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const { status } = await upload(bomb, "image/png");
    uploading = false;
    await probe;
    rss.stop();
    expect(status).to.be.oneOf([200, 413, 415, 422]);
    const jump = Math.round(rss.peak() - before);
    const stall = Math.round(Math.max(...stalls));
    const figures = `RSS rose ${jump} MiB over ${Math.round(before)}; /health waited up to ${stall} ms`;
    expect(jump, figures).to.be.below(128);
    expect(stall, figures).to.be.below(1000);
  });
});

type XmlNode = {
  type: string;
  text?: string | number;
  cdata?: string;
  elements?: XmlNode[];
  attributes?: Record<string, string>;
};

/** Every text node and attribute value of an XML document, decoded. */
function textsOf(nodes: XmlNode[] = []): string[] {
  return nodes.flatMap((n) => [
    ...(n.type === "text" ? [String(n.text)] : n.type === "cdata" ? [String(n.cdata)] : []),
    ...Object.values(n.attributes ?? {}),
    ...textsOf(n.elements),
  ]);
}

/** The cells of an RFC 4180 CSV document (quoted cells unquoted). */
function csvCells(csv: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i] as string;
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === "," || c === "\n" || (c === "\r" && csv[i + 1] === "\n")) {
      cells.push(cell);
      cell = "";
      if (c === "\r") i++;
    } else cell += c;
  }
  if (cell !== "") cells.push(cell);
  return cells;
}
