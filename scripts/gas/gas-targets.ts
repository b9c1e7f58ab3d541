// The gas targets as `npm run bench:gas` and test/gas read them; each is written once, in scripts/bench/targets.ts.
import { figuresOf } from "../bench/targets.ts";

/** One operation of `npm run bench:gas`: its key in the JSON output, what it measures, its target and anchors. */
export type GasTarget = { key: string; operation: string; target: number; anchors?: string };

/** The gas targets the project promises, with the figures of the systems we compare against. */
export const gasTargets: readonly GasTarget[] = figuresOf("gas").flatMap(({ key, label, target, anchor }) =>
  target ? [{ key, operation: label, target: target.value, ...(anchor === undefined ? {} : { anchors: anchor }) }] : [],
);
