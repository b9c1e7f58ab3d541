/** The terms of bilingual search: how text is cut into terms and how much each weighs. */
import { expect } from "chai";
import {
  documentTerms,
  MAX_TERM_LENGTH,
  MAX_TERM_WEIGHT,
  MAX_TERMS_PER_TEXT,
  queryTerms,
} from "../../server/indexer/search-terms.ts";

describe("search terms", () => {
  it("cuts a Chinese query into pairs of characters and other text into words", () => {
    expect(queryTerms("羊角花围腰")).to.deep.equal(["羊角", "角花", "花围", "围腰"]);
    expect(queryTerms("羌绣")).to.deep.equal(["羌绣"]);
    expect(queryTerms("绣")).to.deep.equal(["绣"]);
    expect(queryTerms("Sheep-horn FLOWER apron")).to.deep.equal(["sheep", "horn", "flower", "apron"]);
    expect(queryTerms("羌绣apron, 2024年")).to.deep.equal(["羌绣", "apron", "2024", "年"]);
    // Full-width letters and digits are the letters and digits themselves.
    expect(queryTerms("ＱＩＡＮＧ　２０２４")).to.deep.equal(["qiang", "2024"]);
    expect(queryTerms("flower flower 花花")).to.deep.equal(["flower", "花花"]);
    expect(queryTerms("% _ · ！")).to.deep.equal([]);
    expect(queryTerms("x".repeat(100))).to.deep.equal(["x".repeat(MAX_TERM_LENGTH)]);
  });

  it("indexes every character and pair of a Chinese text, so a query of either finds it", () => {
    const terms = documentTerms([{ text: "红色羊角花围腰 red apron", weight: 1 }]);
    for (const term of ["红", "色", "红色", "色羊", "羊角", "角花", "花围", "围腰", "腰", "red", "apron"]) {
      expect(terms.has(term), term).to.equal(true);
    }
    for (const term of queryTerms("羊角花围腰")) expect(terms.has(term)).to.equal(true);
    expect(terms.has("红羊")).to.equal(false);
    expect(terms.has("red apron")).to.equal(false);
  });

  it("weighs a term in a short, heavily weighted text above one deep in a long text, never above the maximum", () => {
    const title = documentTerms([
      { text: "phoenix apron", weight: 3 },
      { text: "a plain description", weight: 1 },
    ]);
    const deep = documentTerms([
      { text: "apron", weight: 3 },
      { text: `${"plain words ".repeat(40)} phoenix`, weight: 1 },
    ]);
    expect(title.get("phoenix")).to.be.greaterThan(deep.get("phoenix") as number);
    const repeated = documentTerms([{ text: "phoenix ".repeat(1000), weight: 3 }]);
    expect(repeated.get("phoenix")).to.be.below(MAX_TERM_WEIGHT);
    expect(repeated.get("phoenix")).to.be.greaterThan(0);
    // More occurrences weigh more, in a text of the same length.
    const once = documentTerms([{ text: "phoenix lotus lotus lotus", weight: 1 }]);
    const thrice = documentTerms([{ text: "phoenix phoenix phoenix lotus", weight: 1 }]);
    expect(thrice.get("phoenix")).to.be.greaterThan(once.get("phoenix") as number);
  });

  it("keeps at most MAX_TERMS_PER_TEXT distinct terms of one work", () => {
    const text = Array.from({ length: MAX_TERMS_PER_TEXT + 500 }, (_, i) => `w${i}`).join(" ");
    const terms = documentTerms([{ text, weight: 1 }]);
    expect(terms.size).to.equal(MAX_TERMS_PER_TEXT);
    expect(terms.has("w0")).to.equal(true);
    expect(terms.has(`w${MAX_TERMS_PER_TEXT}`)).to.equal(false);
  });
});
