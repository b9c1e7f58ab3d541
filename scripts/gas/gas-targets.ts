/** One operation of `npm run bench:gas`: its key in the JSON output, what it measures, its target and anchors. */
export type GasTarget = { key: string; operation: string; target: number; anchors?: string };

/** The gas targets the project promises, with the figures of the systems we compare against. */
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
  { key: "claimPriority", operation: "take the title by an earlier commitment", target: 120_000 },
  {
    key: "createOffer",
    operation: "publish a licence offer (a work's first, one country)",
    target: 150_000,
    anchors: "Story attachLicenseTerms 349,310",
  },
  {
    key: "buyLicence",
    operation: "buy one licence, native coin, 3 payees, new licensee",
    target: 120_000,
    anchors: "Story mintLicenseTokens(1) 639,572 (first 1,009,592); OZ ERC1155 mint to a new holder 53,175",
  },
  { key: "renewLicence", operation: "extend a grant by one term", target: 60_000 },
  { key: "listWork", operation: "list a work for sale", target: 80_000 },
  {
    key: "buyWork",
    operation: "buy a listed work, native coin, royalty + fee + seller, all new",
    target: 130_000,
    anchors: "Seaport fulfillBasicOrder 88,581 min, 98,688 average",
  },
  { key: "withdraw", operation: "a payee withdraws native coin", target: 40_000 },
  {
    key: "buyLicenceDerivative",
    operation: "buy a licence of a derivative whose one parent earns a royalty, native coin",
    target: 140_000,
  },
  {
    key: "createOfferAfter300Sublicences",
    operation: "a work's new offer after 300 sublicences were issued on it",
    target: 160_000,
  },
];
