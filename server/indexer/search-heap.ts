// The term index's tools for ranking: galloping search in a posting list, and the best k of a stream.

/** The first position at or after `from` whose ordinal is at least `ord` (galloping, then binary search). */
export function seek(list: { ords: Int32Array; n: number }, from: number, ord: number): number {
  let lo = from;
  let step = 1;
  let hi = from;
  while (hi < list.n && (list.ords[hi] as number) < ord) {
    lo = hi + 1;
    hi += step;
    step *= 2;
  }
  hi = Math.min(hi, list.n);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list.ords[mid] as number) < ord) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The best `k` of what it is offered, by `compare` (negative: the first argument is better). */
export class BoundedHeap<T> {
  readonly #items: T[] = [];
  readonly #k: number;
  readonly #compare: (a: T, b: T) => number;

  constructor(k: number, compare: (a: T, b: T) => number) {
    this.#k = k;
    this.#compare = compare;
  }

  /** Keeps `item` if it is among the best `k` so far. The root is the worst kept. */
  offer(item: T): void {
    const items = this.#items;
    if (items.length < this.#k) {
      items.push(item);
      let i = items.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.#compare(items[parent] as T, items[i] as T) >= 0) break;
        [items[parent], items[i]] = [items[i] as T, items[parent] as T];
        i = parent;
      }
      return;
    }
    if (this.#k === 0 || this.#compare(item, items[0] as T) >= 0) return;
    items[0] = item;
    let i = 0;
    for (;;) {
      const [l, r] = [2 * i + 1, 2 * i + 2];
      let worst = i;
      if (l < items.length && this.#compare(items[l] as T, items[worst] as T) > 0) worst = l;
      if (r < items.length && this.#compare(items[r] as T, items[worst] as T) > 0) worst = r;
      if (worst === i) break;
      [items[worst], items[i]] = [items[i] as T, items[worst] as T];
      i = worst;
    }
  }

  /** The worst item kept once `k` are kept; undefined before. */
  worst(): T | undefined {
    return this.#items.length === this.#k ? this.#items[0] : undefined;
  }

  sorted(): T[] {
    return [...this.#items].sort(this.#compare);
  }
}
