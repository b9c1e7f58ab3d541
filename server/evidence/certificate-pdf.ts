// Draws a certificate model as an A4 PDF: Noto Sans SC subset to the glyphs used, wrapped text, a QR code, the bundle attached.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import fontkit from "@pdf-lib/fontkit";
import { PDFDocument, type PDFFont, type PDFPage, rgb } from "pdf-lib";
import QRCode from "qrcode";
import subsetFont from "subset-font";
import type { CertificateModel, Field } from "./certificate-content.ts";

const require = createRequire(import.meta.url);
const FONTS = {
  regular: require.resolve("@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf"),
  bold: require.resolve("@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf"),
};
/** The full fonts, read once per process (10 MB each). */
const fontBytes = new Map<string, Promise<Buffer>>();
const fontOf = (file: string) =>
  fontBytes.get(file) ?? (fontBytes.set(file, readFile(file)).get(file) as Promise<Buffer>);

/** A character the font cannot draw: drawing it would silently drop it. */
export class MissingGlyph extends Error {
  override name = "MissingGlyph";
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 48;
const WIDTH = A4.width - 2 * MARGIN;
const INK = rgb(0.1, 0.1, 0.12);
const MUTED = rgb(0.4, 0.4, 0.45);
const ACCENT = rgb(0.55, 0.1, 0.1);

/** CJK ideographs, kana and full-width punctuation break anywhere; other text at spaces. */
const CJK = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]/;

/** Every string the certificate draws, for the font subset. */
function stringsOf(model: CertificateModel): string[] {
  const fields = (list: Field[]) => list.flatMap((f) => [f.zh, f.en, f.value]);
  return [
    model.heading.zh,
    model.heading.en,
    ...fields(model.work),
    ...fields(model.chain),
    ...fields(model.operator),
    ...model.titleSummary.flatMap((t) => [t.date, t.zh, t.en, t.detail, t.transaction]),
    ...model.instructions.flatMap((i) => [i.zh, i.en]),
    model.disclaimer.zh,
    model.disclaimer.en,
    model.verifyUrl,
    model.manifestHash,
    model.software,
    LABELS.join(""),
    "…·/() 0123456789",
  ];
}

const LABELS = [
  "作品信息 The work",
  "链上证据 On-chain evidence",
  "权利链摘要 Chain of title",
  "核验方法 How to verify",
  "运营者声明 Operator's statement",
  "扫码核验 Scan to verify",
  "页 page",
  "证书生成 Issued",
];

/** Lines of `text` no wider than `width` at `size`: CJK broken anywhere, other words at spaces, long tokens cut. */
export function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const tokens =
    text.match(
      new RegExp(`${CJK.source}|[^\\s\\u2e80-\\u9fff\\uf900-\\ufaff\\uff00-\\uffef\\u3000-\\u303f]+|\\s+`, "g"),
    ) ?? [];
  const lines: string[] = [];
  let line = "";
  const fits = (t: string) => font.widthOfTextAtSize(t, size) <= width;
  for (const token of tokens) {
    if (fits(line + token)) {
      line += token;
      continue;
    }
    if (line.trim()) lines.push(line.trimEnd());
    line = /^\s+$/.test(token) ? "" : token;
    while (!fits(line)) {
      let cut = line.length - 1;
      while (cut > 1 && !fits(line.slice(0, cut))) cut--;
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines.length ? lines : [""];
}

/** A cursor down the pages: text flows onto a new page when one is full. */
class Writer {
  page!: PDFPage;
  y = 0;
  pages = 0;
  readonly doc: PDFDocument;
  readonly fonts: { regular: PDFFont; bold: PDFFont };
  constructor(doc: PDFDocument, fonts: { regular: PDFFont; bold: PDFFont }) {
    this.doc = doc;
    this.fonts = fonts;
    this.newPage();
  }
  newPage() {
    this.page = this.doc.addPage([A4.width, A4.height]);
    this.pages++;
    this.y = A4.height - MARGIN;
  }
  need(height: number) {
    if (this.y - height < MARGIN + 24) this.newPage();
  }
  text(text: string, o: { size?: number; bold?: boolean; x?: number; width?: number; color?: typeof INK } = {}) {
    const size = o.size ?? 9;
    const font = o.bold ? this.fonts.bold : this.fonts.regular;
    const x = o.x ?? MARGIN;
    for (const line of wrap(text, font, size, o.width ?? WIDTH - (x - MARGIN))) {
      this.need(size * 1.45);
      this.y -= size * 1.45;
      this.page.drawText(line, { x, y: this.y, size, font, color: o.color ?? INK });
    }
  }
  gap(height: number) {
    this.y -= height;
  }
  section(title: string) {
    this.need(40);
    this.gap(10);
    this.text(title, { size: 11.5, bold: true, color: ACCENT });
    this.page.drawLine({
      start: { x: MARGIN, y: this.y - 3 },
      end: { x: A4.width - MARGIN, y: this.y - 3 },
      thickness: 0.5,
      color: ACCENT,
    });
    this.gap(6);
  }
  /** A field: its labels on the left, the value wrapped on the right, top-aligned. */
  field(f: Field) {
    const labelWidth = 150;
    const y = this.y;
    const page = this.page;
    this.text(`${f.zh} ${f.en}`, { size: 8.5, color: MUTED, width: labelWidth - 8 });
    const afterLabel = this.y;
    if (this.page === page) this.y = y;
    this.text(f.value, { size: 9, x: MARGIN + labelWidth });
    if (this.page === page) this.y = Math.min(this.y, afterLabel);
    this.gap(2);
  }
}

/** Draws the QR code of `url` as vector squares, `size` points wide, with its lower left corner at (x, y). */
function drawQr(page: PDFPage, url: string, x: number, y: number, size: number) {
  const qr = QRCode.create(url, { errorCorrectionLevel: "M" });
  const n = qr.modules.size;
  const cell = size / (n + 8);
  page.drawRectangle({ x, y, width: size, height: size, color: rgb(1, 1, 1) });
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      if (!qr.modules.get(row, col)) continue;
      page.drawRectangle({
        x: x + (col + 4) * cell,
        y: y + size - (row + 5) * cell,
        width: cell,
        height: cell,
        color: rgb(0, 0, 0),
      });
    }
  }
}

/**
 * The certificate as PDF bytes, unsigned, with the bundle (`bundleJson`) attached as `evidence.json`. Deterministic:
 * the same model and bundle give the same bytes (the document's dates are the bundle's).
 */
export async function renderCertificate(model: CertificateModel, bundleJson: string): Promise<PDFDocument> {
  const text = [...new Set(stringsOf(model).join(""))].join("");
  const [regular, bold] = await Promise.all(
    [FONTS.regular, FONTS.bold].map(async (file) =>
      subsetFont(await fontOf(file), text, { targetFormat: "sfnt", keepFeatures: [] } as never),
    ),
  );
  const check = fontkit.create(regular as Buffer);
  for (const char of text) {
    const point = char.codePointAt(0) as number;
    if (point > 0x20 && !/\s/.test(char) && !check.hasGlyphForCodePoint(point)) {
      throw new MissingGlyph(`the certificate font has no glyph for "${char}" (U+${point.toString(16).toUpperCase()})`);
    }
  }
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(fontkit);
  const fonts = {
    regular: await doc.embedFont(regular as Buffer, { subset: false }),
    bold: await doc.embedFont(bold as Buffer, { subset: false }),
  };
  const date = new Date(model.date);
  doc.setTitle(`${model.heading.zh} ${model.heading.en}`);
  doc.setSubject(model.manifestHash);
  doc.setCreator(model.software);
  doc.setProducer(model.software);
  doc.setCreationDate(date);
  doc.setModificationDate(date);
  doc.setLanguage("zh-CN");

  const w = new Writer(doc, fonts);
  w.text(model.heading.zh, { size: 22, bold: true, color: ACCENT });
  w.text(model.heading.en, { size: 13, bold: true });
  w.gap(4);
  const qrSize = 96;
  drawQr(w.page, model.verifyUrl, A4.width - MARGIN - qrSize, A4.height - MARGIN - qrSize, qrSize);
  w.page.drawText(LABELS[5] as string, {
    x: A4.width - MARGIN - qrSize + 10,
    y: A4.height - MARGIN - qrSize - 10,
    size: 7,
    font: fonts.regular,
    color: MUTED,
  });
  w.text(model.verifyUrl, { size: 7.5, color: MUTED, width: WIDTH - qrSize - 12 });

  w.gap(6);
  w.text(model.disclaimer.zh, { size: 8.5, bold: true, width: WIDTH - qrSize - 12 });
  w.text(model.disclaimer.en, { size: 8.5, width: WIDTH - qrSize - 12 });
  w.section(LABELS[0] as string);
  for (const f of model.work) w.field(f);
  w.section(LABELS[1] as string);
  for (const f of model.chain) w.field(f);
  w.section(LABELS[2] as string);
  for (const t of model.titleSummary) {
    w.field({ zh: t.date, en: "", value: `${t.zh} ${t.en}${t.detail ? ` — ${t.detail}` : ""} · tx ${t.transaction}` });
  }
  w.section(LABELS[3] as string);
  for (const step of model.instructions) {
    w.text(step.zh, { size: 8.5 });
    w.text(step.en, { size: 8.5, color: MUTED });
    w.gap(3);
  }
  w.section(LABELS[4] as string);
  for (const f of model.operator) w.field(f);
  const pages = doc.getPages();
  pages.forEach((page, i) => {
    const footer = `${LABELS[7]} ${model.date.slice(0, 19).replace("T", " ")} UTC · ${model.software} · ${LABELS[6]} ${i + 1}/${pages.length}`;
    page.drawText(footer, { x: MARGIN, y: MARGIN - 16, size: 7, font: fonts.regular, color: MUTED });
  });
  await doc.attach(new TextEncoder().encode(bundleJson), "evidence.json", {
    mimeType: "application/json",
    description: "The evidence bundle this certificate was drawn from",
    creationDate: date,
    modificationDate: date,
  });
  return doc;
}
