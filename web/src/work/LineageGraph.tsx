// The lineage as a drawing: the work's parents above it, its derivatives below, arrows from source to derived work.
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { workHex, workPath } from "../ui/ids.ts";
import { type Box, curve, fitText, layoutLineage, MAX_DRAWN } from "./lineage-layout.ts";

export type Node = { id: string; label: string };

/** One box with its label; a link to the work's page, except the work the page is about. */
function NodeBox({ box, label, current }: { box: Box; label: string; current?: boolean }) {
  const body = (
    <>
      <title>{label}</title>
      <rect x={box.x} y={box.y} width={box.width} height={box.height} rx={8} />
      <text x={box.x + box.width / 2} y={box.y + box.height / 2} dominantBaseline="central" textAnchor="middle">
        {fitText(label, box.width - 20, current ? 8.8 : 7.6)}
      </text>
    </>
  );
  if (current) return <g className="lineage-node current">{body}</g>;
  // Out of the tab order: the list beneath holds the same links for the keyboard, in reading order.
  return (
    <Link href={workPath(box.id)} className="lineage-node" tabIndex={-1} data-work={workHex(box.id)}>
      {body}
    </Link>
  );
}

export function LineageGraph(props: { work: Node; parents: Node[]; derivatives: Node[]; description: string }) {
  const { t } = useTranslation();
  const id = useId();
  const layout = layoutLineage(
    props.work.id,
    props.parents.map((p) => p.id),
    props.derivatives.map((d) => d.id),
  );
  const labels = new Map([props.work, ...props.parents, ...props.derivatives].map((n) => [n.id, n.label]));
  const more = (n: number) => (n > MAX_DRAWN ? ` ${t("lineage.more", { n: n - MAX_DRAWN })}` : "");
  return (
    // biome-ignore lint/a11y/useSemanticElements: a drawing is no form; the group names it and holds its links
    <svg
      className="lineage-graph"
      viewBox={`0 0 ${layout.width} ${layout.height}`}
      width={layout.width}
      height={layout.height}
      role="group"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-desc`}
    >
      <title id={`${id}-title`}>{t("lineage.graphTitle")}</title>
      <desc id={`${id}-desc`}>{props.description}</desc>
      <defs>
        <marker id={`${id}-arrow`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
          <path d="M0,0 L10,5 L0,10 z" className="lineage-arrow" />
        </marker>
      </defs>
      {layout.edges.map((edge) => (
        <path
          key={`${edge.from.x},${edge.from.y}-${edge.to.x},${edge.to.y}`}
          d={curve(edge)}
          className="lineage-edge"
          markerEnd={`url(#${id}-arrow)`}
        />
      ))}
      {layout.parents.length > 0 && (
        <text x={0} y={layout.parentsLabelY} className="lineage-caption">
          {t("lineage.parents")}
          {more(props.parents.length)}
        </text>
      )}
      {layout.parents.map((box) => (
        <NodeBox key={box.id} box={box} label={labels.get(box.id) ?? box.id} />
      ))}
      <NodeBox box={layout.work} label={props.work.label} current />
      {layout.derivatives.map((box) => (
        <NodeBox key={box.id} box={box} label={labels.get(box.id) ?? box.id} />
      ))}
      {layout.derivatives.length > 0 && (
        <text x={0} y={layout.derivativesLabelY} className="lineage-caption">
          {t("lineage.derivatives")}
          {more(props.derivatives.length)}
        </text>
      )}
    </svg>
  );
}
