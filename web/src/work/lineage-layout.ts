// Where the lineage graph's boxes and arrows go: parents above the work, derivatives below, a few of each side by side.

/** At most this many parents, and as many derivatives, are drawn; the list beneath names them all. */
export const MAX_DRAWN = 3;
const NODE_HEIGHT = 44;
const GAP = 12;
const LABEL = 22;
const BETWEEN = 40;

export type Box = { id: string; x: number; y: number; width: number; height: number };
export type Edge = { from: { x: number; y: number }; to: { x: number; y: number } };
export type Layout = {
  /** In SVG units, drawn one to one on a wide screen and scaled down to a narrow one. */
  width: number;
  height: number;
  work: Box;
  parents: Box[];
  derivatives: Box[];
  edges: Edge[];
  /** Where the parents' and derivatives' captions go (their baselines), when there are any. */
  parentsLabelY: number;
  derivativesLabelY: number;
};

/** The drawing's width for rows of at most `n` boxes: a box is about 300 units wide, 200 when three share a row. */
const widthFor = (n: number) => [320, 320, 500, 620][n] ?? 620;

/** A row of boxes for `ids` at height `y` across `total` units, side by side, centred when alone. */
function row(ids: string[], y: number, total: number): Box[] {
  const n = ids.length;
  if (n === 0) return [];
  const width = n === 1 ? Math.min(300, total) : (total - GAP * (n - 1)) / n;
  const left = n === 1 ? (total - width) / 2 : 0;
  return ids.map((id, i) => ({ id, x: left + i * (width + GAP), y, width, height: NODE_HEIGHT }));
}

const bottom = (b: Box) => ({ x: b.x + b.width / 2, y: b.y + b.height });
const top = (b: Box) => ({ x: b.x + b.width / 2, y: b.y });

/** The layout for the first `MAX_DRAWN` parents and derivatives of the work `workId`. */
export function layoutLineage(workId: string, parents: string[], derivatives: string[]): Layout {
  const drawnParents = parents.slice(0, MAX_DRAWN);
  const drawnDerivatives = derivatives.slice(0, MAX_DRAWN);
  const width = widthFor(Math.max(drawnParents.length, drawnDerivatives.length));
  let y = 4;
  const parentsLabelY = y + 16;
  if (drawnParents.length > 0) y += LABEL;
  const parentBoxes = row(drawnParents, y, width);
  if (parentBoxes.length > 0) y += NODE_HEIGHT + BETWEEN;
  const [work] = row([workId], y, width) as [Box];
  y += NODE_HEIGHT;
  if (drawnDerivatives.length > 0) y += BETWEEN;
  const derivativeBoxes = row(drawnDerivatives, y, width);
  if (derivativeBoxes.length > 0) y += NODE_HEIGHT;
  const derivativesLabelY = y + 18;
  if (derivativeBoxes.length > 0) y += LABEL;
  const edges: Edge[] = [
    ...parentBoxes.map((p) => ({ from: bottom(p), to: top(work) })),
    ...derivativeBoxes.map((d) => ({ from: bottom(work), to: top(d) })),
  ];
  return {
    width,
    height: y + 4,
    work,
    parents: parentBoxes,
    derivatives: derivativeBoxes,
    edges,
    parentsLabelY,
    derivativesLabelY,
  };
}

/** A smooth vertical curve from one point to another, as an SVG path. */
export function curve(edge: Edge): string {
  const middle = (edge.from.y + edge.to.y) / 2;
  return `M${edge.from.x},${edge.from.y} C${edge.from.x},${middle} ${edge.to.x},${middle} ${edge.to.x},${edge.to.y}`;
}

const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u;

/**
 * `text` cut to fit `width` SVG units at a 14-unit font whose Latin letters are `letter` units wide at most (bold
 * ones are wider; a Chinese character counts twice), with an ellipsis when cut: the full text is in the list beneath
 * and the box's tooltip.
 */
export function fitText(text: string, width: number, letter = 7.6): string {
  const budget = Math.floor(width / letter);
  const chars = [...text];
  const widthOf = (char: string) => (WIDE.test(char) ? 2 : 1);
  if (chars.reduce((sum, c) => sum + widthOf(c), 0) <= budget) return text;
  let used = 1; // the ellipsis
  let out = "";
  for (const char of chars) {
    if (used + widthOf(char) > budget) break;
    used += widthOf(char);
    out += char;
  }
  return `${out.trimEnd()}…`;
}
