// The web's two catalogues: the same keys, no empty string, the same placeholders; and the language chosen first.
import { expect } from "chai";
import { STEPS } from "../../core/evidence/verify.ts";
import openapi from "../../types/api/openapi.json" with { type: "json" };
import en from "../../web/src/i18n/en.json" with { type: "json" };
import { initialLanguage } from "../../web/src/i18n/language.ts";
import zh from "../../web/src/i18n/zh.json" with { type: "json" };

/** Every leaf of a catalogue as [dotted key, string]. */
function leaves(value: unknown, prefix = ""): [string, unknown][] {
  if (typeof value !== "object" || value === null) return [[prefix, value]];
  return Object.entries(value).flatMap(([key, child]) => leaves(child, prefix ? `${prefix}.${key}` : key));
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe("the web's catalogues (en, zh)", () => {
  const english = new Map(leaves(en));
  const chinese = new Map(leaves(zh));

  it("have exactly the same keys", () => {
    expect([...chinese.keys()].sort()).to.deep.equal([...english.keys()].sort());
  });

  it("hold a non-empty string at every key", () => {
    for (const [key, text] of [...english, ...chinese]) {
      expect(text, key).to.be.a("string");
      expect((text as string).trim(), key).to.not.equal("");
    }
  });

  it("use the same placeholders in both languages", () => {
    for (const [key, text] of english) {
      expect(placeholders(chinese.get(key) as string), key).to.deep.equal(placeholders(text as string));
    }
  });

  it("say every Chinese sentence in Chinese", () => {
    // A string left in English in zh.json is a missed translation (names, units and codes excepted).
    const untranslated = [...chinese].filter(
      ([key, text]) =>
        !/[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]/.test(text as string) &&
        !["app.name", "offers.priceNative"].includes(key),
    );
    expect(untranslated).to.deep.equal([]);
  });
});

describe("the catalogues cover what the API and the verifier name", () => {
  it("a label for every kind of chain-of-title entry the API documents", () => {
    const entry = (openapi as unknown as Record<string, Record<string, Record<string, unknown>>>)["paths"]?.[
      "/api/works/{workId}/title"
    ]?.["get"] as { responses: { 200: { content: { "application/json": { schema: unknown } } } } };
    const schema = JSON.stringify(entry.responses[200].content["application/json"].schema);
    const kinds = (/one of: ([a-zA-Z, ]+)/.exec(schema)?.[1] ?? "").split(", ");
    expect(kinds.length).to.be.greaterThan(30);
    expect(kinds.filter((k) => !(k in en.timeline.kind))).to.deep.equal([]);
  });

  it("a name and an explanation for each of the evidence verifier's steps", () => {
    expect(Object.keys(en.evidence.step)).to.deep.equal([...STEPS]);
    expect(Object.keys(en.evidence.about)).to.deep.equal([...STEPS]);
  });
});

describe("the language a page opens in", () => {
  it("is the one chosen before on this device", () => {
    expect(initialLanguage("zh", ["en-GB"])).to.equal("zh");
    expect(initialLanguage("en", ["zh-CN"])).to.equal("en");
  });

  it("is else the first of the browser's languages the web has, else English", () => {
    expect(initialLanguage(null, ["zh-CN", "en"])).to.equal("zh");
    expect(initialLanguage(null, ["zh-TW"])).to.equal("zh");
    expect(initialLanguage(null, ["fr-FR", "en-US", "zh"])).to.equal("en");
    expect(initialLanguage(null, ["de"])).to.equal("en");
    expect(initialLanguage("xx", [])).to.equal("en");
  });
});
