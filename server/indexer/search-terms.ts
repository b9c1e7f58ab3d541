// The terms of bilingual search: Chinese (and other CJK) text as characters and character pairs, other text as words.

/** Scripts written without spaces between words: indexed by character and by pair of characters. */
const CJK = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}`;
/** A run of CJK characters, or a word of other letters, digits and marks. */
const RUN = new RegExp(`[${CJK}]+|[[\\p{L}\\p{N}\\p{M}]--[${CJK}]]+`, "gv");
const IS_CJK = new RegExp(`^[${CJK}]`, "v");

/** Longest term kept; longer words are cut (a term is a key, not a document). */
export const MAX_TERM_LENGTH = 40;
/** Most distinct terms kept from one text: a work's metadata is bounded, this bounds the index per work too. */
export const MAX_TERMS_PER_TEXT = 2_000;

function* runs(text: string): Generator<{ run: string; cjk: boolean }> {
  for (const [run] of text.normalize("NFKC").toLowerCase().matchAll(RUN)) yield { run, cjk: IS_CJK.test(run) };
}

/** Each character of a CJK run and each pair of neighbours; a word as itself (cut to MAX_TERM_LENGTH). */
function* documentTermsOf(text: string): Generator<string> {
  for (const { run, cjk } of runs(text)) {
    if (!cjk) {
      yield run.slice(0, MAX_TERM_LENGTH);
      continue;
    }
    const chars = [...run];
    for (let i = 0; i < chars.length; i++) {
      yield chars[i] as string;
      if (i + 1 < chars.length) yield `${chars[i]}${chars[i + 1]}`;
    }
  }
}

/**
 * The terms a query must all match: the pairs of characters of a CJK run (a lone character as itself), the words of
 * other text; distinct, in the order they appear. `羊角花围腰` gives 羊角, 角花, 花围, 围腰; `sheep-horn flower` gives
 * sheep, horn, flower.
 */
export function queryTerms(query: string): string[] {
  const terms = new Set<string>();
  for (const { run, cjk } of runs(query)) {
    if (!cjk) {
      terms.add(run.slice(0, MAX_TERM_LENGTH));
      continue;
    }
    const chars = [...run];
    if (chars.length === 1) terms.add(run);
    for (let i = 0; i + 1 < chars.length; i++) terms.add(`${chars[i]}${chars[i + 1]}`);
  }
  return [...terms];
}

/** A searchable text and how much a match in it counts (a title more than a description). */
export type WeightedText = { text: string | null | undefined; weight: number };

/** BM25's saturation and length normalisation, with a fixed typical length of a work's searchable text in terms. */
const K1 = 1.2;
const B = 0.75;
const TYPICAL_LENGTH = 80;

/** The most a term can weigh in one work: a query's score is the mean of its terms' weights over this, 0 to 1. */
export const MAX_TERM_WEIGHT = K1 + 1;

/**
 * A work's terms with their weights: each occurrence counts its text's weight, the sum saturates as in BM25 and is
 * normalised by the work's length, so a term in a short title outweighs the same term deep in a long description.
 */
export function documentTerms(texts: readonly WeightedText[]): Map<string, number> {
  const counts = new Map<string, number>();
  let length = 0;
  for (const { text, weight } of texts) {
    if (!text) continue;
    for (const term of documentTermsOf(text)) {
      length += 1;
      const count = counts.get(term);
      if (count !== undefined) counts.set(term, count + weight);
      else if (counts.size < MAX_TERMS_PER_TEXT) counts.set(term, weight);
    }
  }
  const norm = K1 * (1 - B + (B * length) / TYPICAL_LENGTH);
  const weights = new Map<string, number>();
  for (const [term, count] of counts) weights.set(term, Math.fround((count * (K1 + 1)) / (count + norm)));
  return weights;
}
