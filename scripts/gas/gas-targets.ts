/** One operation of `npm run bench:gas`: its key in the JSON output, what it measures, its target and anchors. */
export type GasTarget = { key: string; operation: string; target: number; anchors?: string };

/** The gas targets the project promises (issue 2), with the figures of the systems we compare against. */
export const gasTargets: readonly GasTarget[] = [
  {
    key: "register",
    operation: "register one work to a new holder",
    target: 120_000,
    anchors: "EAS attest 270,456; Story register 281,040; OZ ERC721URIStorage mint 170,737; floor 46,184",
  },
  {
    key: "registerWithSig",
    operation: "gasless registration, relayer pays",
    target: 130_000,
    anchors: "EAS attestByDelegation 418,210",
  },
  { key: "commit", operation: "private commitment", target: 50_000, anchors: "floor 46,184" },
  { key: "batchAnchorPerWork", operation: "anchor 1,000 commitments, gas / 1,000", target: 100 },
  { key: "revealFromBatch", operation: "reveal one leaf with its proof", target: 140_000 },
  { key: "transfer", operation: "assignment to a fresh address", target: 65_000 },
  { key: "pledge", operation: "pledge a work", target: 60_000 },
];
