// The web's two catalogues: the same keys, no empty string, the same placeholders; and the language chosen first.
import { expect } from "chai";
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
      ([key, text]) => !/[\u4e00-\u9fff]/.test(text as string) && !["app.name", "offers.priceNative"].includes(key),
    );
    expect(untranslated).to.deep.equal([]);
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
