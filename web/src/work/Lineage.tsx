// A work's lineage section: the works it derives from and those derived from it, drawn and listed, each a link.
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { useFormat } from "../i18n/format.ts";
import { Hex } from "../ui/Hex.tsx";
import { workHex, workPath } from "../ui/ids.ts";
import { LineageGraph, type Node } from "./LineageGraph.tsx";
import "./lineage.css";
import { nameIn, useRelatedNames } from "./related-names.ts";
import type { WorkDetail } from "./types.ts";

/** The works of one side of the lineage as a list of links, by name where known, else by fingerprint. */
function Related({ nodes, named }: { nodes: Node[]; named: Set<string> }) {
  return (
    <ul className="work-links">
      {nodes.map((node) => (
        <li key={node.id}>
          <Link href={workPath(node.id)}>{named.has(node.id) ? node.label : <Hex value={node.label} />}</Link>
        </li>
      ))}
    </ul>
  );
}

export function Lineage({ work, title }: { work: WorkDetail; title: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const names = useRelatedNames([...work.parents, ...work.derivatives]);
  if (work.parents.length === 0 && work.derivatives.length === 0) return null;
  const named = new Set<string>();
  const nodeOf = (id: string): Node => {
    const known = names.get(id);
    const name = known ? nameIn(known, format.language) : null;
    if (name !== null) named.add(id);
    return { id, label: name ?? workHex(id) };
  };
  const parents = work.parents.map(nodeOf);
  const derivatives = work.derivatives.map(nodeOf);
  const list = (nodes: Node[]) => nodes.map((n) => n.label).join(t("lineage.separator"));
  const description = [
    parents.length > 0 && t("lineage.describeParents", { work: title, list: list(parents) }),
    derivatives.length > 0 && t("lineage.describeDerivatives", { work: title, list: list(derivatives) }),
  ]
    .filter(Boolean)
    .join(" ");
  return (
    <section aria-labelledby="lineage" className="lineage">
      <h2 id="lineage">{t("lineage.title")}</h2>
      <LineageGraph
        work={{ id: work.workId, label: title }}
        parents={parents}
        derivatives={derivatives}
        description={description}
      />
      <div className="lineage-lists">
        {parents.length > 0 && (
          <div>
            <h3>{t("lineage.parents")}</h3>
            <Related nodes={parents} named={named} />
          </div>
        )}
        {derivatives.length > 0 && (
          <div>
            <h3>{t("lineage.derivatives")}</h3>
            <Related nodes={derivatives} named={named} />
          </div>
        )}
      </div>
    </section>
  );
}
