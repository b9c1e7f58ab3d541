// What the term index knows of each work beside its terms, as typed columns by ordinal, and the filters it checks.

/** The filters the term index checks itself before the database confirms a page (text values lower-case). */
export type IndexFilter = { creator?: string; technique?: string; region?: string; from?: number; to?: number };

/** A compiled filter: whether the work at an ordinal is alive and passes. */
export type OrdinalTest = (ord: number) => boolean;

type Coded = "creator" | "technique" | "region";

/**
 * Each work's liveness, registration time, creator, technique and region by ordinal, the texts as small codes: a
 * ranking tests a posting against a filter with a few array reads, never touching the work's object (a pass over a
 * long posting list would otherwise miss the cache on every work).
 */
export class WorkColumns {
  #n = 0;
  #alive = new Uint8Array(1024);
  #t = new Float64Array(1024);
  #coded: Record<Coded, Int32Array> = {
    creator: new Int32Array(1024),
    technique: new Int32Array(1024),
    region: new Int32Array(1024),
  };
  /** Each text's code; 0 is no text. */
  readonly #codes: Record<Coded, Map<string, number>> = { creator: new Map(), technique: new Map(), region: new Map() };

  /** Registration times by ordinal (Unix seconds). */
  get t(): Float64Array {
    return this.#t;
  }

  isAlive(ord: number): boolean {
    return this.#alive[ord] === 1;
  }

  /** Adds a work at the next ordinal (which it returns), alive. */
  push(work: { creator: string; technique: string | null; region: string | null; t: number }): number {
    const ord = this.#n;
    if (ord === this.#alive.length) this.#grow();
    this.#alive[ord] = 1;
    this.#t[ord] = work.t;
    for (const kind of ["creator", "technique", "region"] as const) {
      const text = work[kind];
      (this.#coded[kind] as Int32Array)[ord] = text === null ? 0 : this.#codeOf(kind, text);
    }
    this.#n += 1;
    return ord;
  }

  /** Marks the work at `ord` dead (indexed again at another ordinal, or gone). */
  kill(ord: number): void {
    this.#alive[ord] = 0;
  }

  /** `filter` as a test of ordinals, or null when no work can pass it (a text no work has). */
  test(filter: IndexFilter): OrdinalTest | null {
    const want: Record<Coded, number> = { creator: -1, technique: -1, region: -1 };
    for (const kind of ["creator", "technique", "region"] as const) {
      const text = filter[kind];
      if (text === undefined) continue;
      const code = this.#codes[kind].get(text);
      if (code === undefined) return null;
      want[kind] = code;
    }
    const [alive, t, from, to] = [this.#alive, this.#t, filter.from ?? -Infinity, filter.to ?? Infinity];
    const { creator, technique, region } = this.#coded;
    const [wantCreator, wantTechnique, wantRegion] = [want.creator, want.technique, want.region];
    return (ord) =>
      alive[ord] === 1 &&
      (wantCreator < 0 || creator[ord] === wantCreator) &&
      (wantTechnique < 0 || technique[ord] === wantTechnique) &&
      (wantRegion < 0 || region[ord] === wantRegion) &&
      (t[ord] as number) >= from &&
      (t[ord] as number) < to;
  }

  #codeOf(kind: Coded, text: string): number {
    const codes = this.#codes[kind];
    let code = codes.get(text);
    if (code === undefined) {
      code = codes.size + 1;
      codes.set(text, code);
    }
    return code;
  }

  #grow(): void {
    const size = this.#alive.length * 2;
    const alive = new Uint8Array(size);
    alive.set(this.#alive);
    this.#alive = alive;
    const t = new Float64Array(size);
    t.set(this.#t);
    this.#t = t;
    for (const kind of ["creator", "technique", "region"] as const) {
      const coded = new Int32Array(size);
      coded.set(this.#coded[kind]);
      this.#coded[kind] = coded;
    }
  }
}
