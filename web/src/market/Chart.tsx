// One bar chart of the market's figures, drawn by uPlot on a canvas: per day on a time axis, or per technique or region.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const DAY = 86_400;
const FONT = '13px system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans SC", sans-serif';
const INK = "#1b1b1b";
const GRID = "#e4dfd8";
/** Category labels longer than this are cut (the table beneath gives them whole). */
const LABEL_CHARS = 22;

export type ChartProps = {
  /** "time": `xs` are days' midnights (UTC, Unix seconds); "category": one bar per label, largest first. */
  kind: "time" | "category";
  xs: number[];
  labels: string[];
  values: number[];
  /** Whole numbers (counts) rather than amounts. */
  integer: boolean;
  color: string;
  formatValue: (value: number) => string;
  formatDay: (seconds: number) => string;
  /** The chart's accessible name (a canvas says nothing to a screen reader: the table beneath has the figures). */
  label: string;
  /** Redraw when the language changes (the axes' words and numbers). */
  locale: string;
};

const clip = (text: string) => {
  const chars = [...text];
  return chars.length <= LABEL_CHARS ? text : `${chars.slice(0, LABEL_CHARS - 1).join("")}…`;
};

/** The width of the widest label in the axis font, for the category axis. */
function widest(labels: string[]): number {
  const context = document.createElement("canvas").getContext("2d");
  if (!context) return 120;
  context.font = FONT;
  return Math.max(40, ...labels.map((l) => context.measureText(l).width));
}

const heightOf = (p: ChartProps) => (p.kind === "time" ? 240 : 34 * Math.max(1, p.xs.length) + 44);

function optionsOf(p: ChartProps, width: number): uPlot.Options {
  // The bundled build always has the bars builder (its types leave each builder optional).
  const barsOf = uPlot.paths.bars as uPlot.Series.BarsPathBuilderFactory;
  const bars = barsOf({ size: p.kind === "time" ? [0.6, 48] : [0.7, 26] });
  const countIncrs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000, 1_000_000];
  const valueAxis: uPlot.Axis = {
    scale: "y",
    font: FONT,
    stroke: INK,
    grid: { stroke: GRID, width: 1 },
    ticks: { show: false },
    values: (_u, splits) => splits.map((v) => p.formatValue(v)),
    size: 64,
    ...(p.integer ? { incrs: countIncrs } : {}),
  };
  const yRange = (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, max > 0 ? max * 1.1 : 1];
  const common = {
    width,
    height: heightOf(p),
    legend: { show: false },
    cursor: { show: false },
    series: [{}, { label: p.label, fill: p.color, stroke: p.color, width: 0, paths: bars, points: { show: false } }],
  };
  if (p.kind === "time") {
    return {
      ...common,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
      // A day either side of the data, from the data itself (uPlot widens a single day to years).
      scales: {
        x: { time: true, range: [Math.min(...p.xs) - DAY, Math.max(...p.xs) + DAY] },
        y: { range: yRange },
      },
      axes: [
        {
          font: FONT,
          stroke: INK,
          grid: { show: false },
          space: 90,
          incrs: [DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 182 * DAY, 365 * DAY],
          values: (_u, splits) => splits.map((s) => p.formatDay(s)),
        },
        valueAxis,
      ],
    };
  }
  const labels = p.labels.map(clip);
  return {
    ...common,
    scales: {
      // Vertical, the first (largest) at the top.
      x: { time: false, ori: 1, dir: -1, range: [-0.5, p.xs.length - 0.5] },
      y: { ori: 0, dir: 1, range: yRange },
    },
    axes: [
      {
        scale: "x",
        side: 3,
        font: FONT,
        stroke: INK,
        grid: { show: false },
        ticks: { show: false },
        splits: () => p.xs,
        values: (_u, splits) => splits.map((i) => labels[i] ?? ""),
        size: Math.ceil(widest(labels)) + 14,
      },
      { ...valueAxis, side: 2 },
    ],
  };
}

export function Chart(props: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const key = JSON.stringify([props.kind, props.xs, props.labels, props.values, props.color, props.locale]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key names everything drawn
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const width = () => Math.max(240, Math.floor(element.clientWidth));
    const plot = new uPlot(optionsOf(props, width()), [props.xs, props.values], element);
    const observer = new ResizeObserver(() => {
      if (plot.width !== width()) plot.setSize({ width: width(), height: heightOf(props) });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [key]);
  return <div ref={box} className="chart-canvas" role="img" aria-label={props.label} data-bars={props.values.length} />;
}
