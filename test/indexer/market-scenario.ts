/**
 * A scripted run through every path of derivative royalties and priority claims, on the real contracts on anvil: the
 * random workload reaches each of them only by chance, this reaches all of them in one go (and in a reorged branch).
 * A helper module: it registers no tests.
 */
import { type Hex, keccak256, toHex } from "viem";
import { batchLeafOf, commitmentOf } from "../../core/commitment.ts";
import { ALL_FIELDS, LicenceKind, type LicenceTerms, termsHashOf, usesOf } from "../../core/licence.ts";
import { buildMerkleTree, merkleProofOf } from "../../core/merkle.ts";
import type { Deployment } from "../../scripts/deploy/viem.ts";
import { licenceLedgerAbi } from "../../types/abi/index.js";
import { workloadContext } from "./market-workload.ts";
import { allows, cidOf, DAY, GWEI, jump, now, send, type Target, titleOf, valueFor, ZERO } from "./workload-context.ts";

/** What the scenario made, for the test to look up in the mirror. */
export type ScenarioWorks = {
  /** The original work P, its derivative Q (owing P a royalty) and Q's derivative R (owing Q one). */
  parent: bigint;
  derivative: bigint;
  grandchild: bigint;
  /** Works whose registration a priority claim displaced: one by a single commitment, one from a batch. */
  claimed: bigint[];
  /** A work registered by revealing from a batch days after it was anchored (recorded later than registered). */
  revealedLate: bigint;
};

/**
 * Runs the scenario on `deployment` (labels made unique by `tag`): a work P with a split and an adapt licence owing
 * 20%; a derivative Q of it whose adapt licence, priced in the token, owes 15%; a derivative R of Q; licence sales and
 * a renewal of R and Q (royalties credited up two generations, to a split pot and to a holder); sales of R on the
 * exchange in the native coin and the token; a bid on Q made void by a licence sale; withdrawals pushed for others on
 * both contracts; the token taken off the ledger's list and put back; P pledged to a lender who consents, released,
 * pledged to the same lender again and consented again; a commitment a day older than a derivative registration of the
 * same file (pledged, listed, bid on) that its creator then claims; a batch anchored by two submitters whose leaves are
 * claimed against a later registration and revealed days late.
 */
export async function royaltyAndPriorityScenario(url: string, d: Deployment, tag: string): Promise<ScenarioWorks> {
  const c = await workloadContext(url, d, 0);
  const [artisan, licensee, grandLicensee, buyer, lender, rival] = c.actors as [Hex, Hex, Hex, Hex, Hex, Hex];
  const must = async (
    op: string,
    from: Hex,
    target: Target,
    functionName: string,
    args: readonly unknown[],
    value = 0n,
  ) => {
    const before = { ...c.report.reverts };
    if ((await send(c, op, from, target, functionName, args, value)) !== "sent") {
      const why = Object.keys(c.report.reverts).find((k) => c.report.reverts[k] !== before[k]);
      throw new Error(`${tag}: ${op} reverted (${why})`);
    }
  };
  const label = (what: string) => keccak256(toHex(`${tag} ${what}`));
  const registration = (creator: Hex, what: string, parents: bigint[] = [], to = creator) => ({
    to,
    contentHash: label(what),
    metadataCid: cidOf(c, `${tag} metadata ${what}`),
    royaltyReceiver: ZERO,
    royaltyBps: 500,
    parents,
  });
  const register = async (creator: Hex, what: string, parents: bigint[] = []) => {
    await must(`register ${what}`, creator, "registry", "register", [registration(creator, what, parents)]);
    return BigInt(label(what));
  };
  const offer = async (holder: Hex, workId: bigint, what: string, overrides: Partial<LicenceTerms>) => {
    const terms: LicenceTerms = {
      kind: LicenceKind.NonExclusive,
      uses: usesOf(["reproduce", "adapt"]),
      fields: ALL_FIELDS,
      transferable: false,
      worldwide: true,
      territory: [0n, 0n, 0n],
      start: 0,
      end: 0,
      duration: 0,
      supply: 0,
      derivativeRoyaltyBps: 0,
      currency: ZERO,
      textHash: label(`text ${what}`),
      textCid: cidOf(c, `${tag} text ${what}`),
      ...overrides,
    };
    const index = await c.pub.readContract({
      address: d.ledger,
      abi: licenceLedgerAbi,
      functionName: "offerCount",
      args: [workId],
    });
    await must(`createOffer ${what}`, holder, "ledger", "createOffer", [workId, terms, 1_000n * GWEI]);
    return { workId, index, terms, price: 1_000n * GWEI };
  };
  type Offer = Awaited<ReturnType<typeof offer>>;
  const buy = async (o: Offer, payer: Hex, licensee = payer) => {
    const serial =
      (
        await c.pub.readContract({
          address: d.ledger,
          abi: licenceLedgerAbi,
          functionName: "offerOf",
          args: [o.workId, o.index],
        })
      ).sold + 1;
    await must(
      "buyLicence",
      payer,
      "ledger",
      "buyLicence",
      [o.workId, o.index, termsHashOf(o.terms), o.price, licensee],
      valueFor(o.terms.currency, o.price),
    );
    return { workId: o.workId, offerIndex: o.index, serial };
  };
  const sell = async (seller: Hex, purchaser: Hex, workId: bigint, currency: Hex) => {
    const price = 5_000n * GWEI;
    await must("listWork", seller, "exchange", "listWork", [workId, currency, price, 0]);
    const { encumbrances } = await titleOf(c, workId);
    await must(
      "buyWork",
      purchaser,
      "exchange",
      "buyWork",
      [workId, currency, price, encumbrances],
      valueFor(currency, price),
    );
  };

  // The token on both lists (a random workload may have left it off one).
  for (const target of ["ledger", "exchange"] as const) {
    if (!(await allows(c, target, c.token))) {
      await must(`allowCurrency (${target})`, c.admin, target, "allowCurrency", [c.token, true]);
    }
  }

  // Two generations of derivatives, each owing its parent a royalty on everything it earns.
  const parent = await register(artisan, "P");
  await must("setSplits", artisan, "ledger", "setSplits", [
    parent,
    [
      { account: artisan, shareBps: 6_000 },
      { account: lender, shareBps: 4_000 },
    ],
  ]);
  const adaptP = await offer(artisan, parent, "adapt P", { derivativeRoyaltyBps: 2_000 });
  await buy(adaptP, licensee);
  const derivative = await register(licensee, "Q", [parent]);
  const adaptQ = await offer(licensee, derivative, "adapt Q", { derivativeRoyaltyBps: 1_500, currency: c.token });
  await buy(adaptQ, grandLicensee);
  const grandchild = await register(grandLicensee, "R", [derivative]);
  const renewableR = await offer(grandLicensee, grandchild, "renewable R", { duration: 2_000 });
  const grant = await buy(renewableR, buyer);
  await must("renewLicence", lender, "ledger", "renewLicence", [grant, renewableR.price], renewableR.price);
  await buy(adaptQ, buyer, lender);

  // Sales of the grandchild on the exchange, in the native coin and in the token: its royalty goes to the ledger.
  await sell(grandLicensee, buyer, grandchild, ZERO);
  await sell(buyer, licensee, grandchild, c.token);

  // A bid on Q, then a licence of Q: the bid is bound to the encumbrances before the sale, void after it.
  await must("placeBid", rival, "exchange", "placeBid", [derivative, ZERO, 700n * GWEI, 0], 700n * GWEI);
  await buy(adaptQ, buyer);

  // Withdrawals pushed for others, on both contracts.
  await must("withdrawFor (ledger)", rival, "ledger", "withdrawFor", [licensee, c.token]);
  await must("withdrawFor (exchange)", rival, "exchange", "withdrawFor", [grandLicensee, ZERO]);

  // The token off the ledger's list and back: nothing is bought in it meanwhile, then it is again.
  await must("disallowCurrency", c.admin, "ledger", "allowCurrency", [c.token, false]);
  await must("allowCurrency", c.admin, "ledger", "allowCurrency", [c.token, true]);
  await buy(adaptQ, lender);

  // A commitment, a derivative registration of the same file more than a day later (pledged, listed and bid on),
  // and the commitment's creator claiming it: the displaced registration's pledge and royalties are cleared.
  const salt = label("salt X");
  await must("commit", buyer, "registry", "commit", [commitmentOf(buyer, label("X"), salt)]);
  await jump(c, DAY + 60);
  await buy(adaptP, rival);
  const displaced = await register(rival, "X", [parent]);
  await must("listWork", rival, "exchange", "listWork", [displaced, ZERO, 900n * GWEI, 0]);
  await must("placeBid", artisan, "exchange", "placeBid", [displaced, ZERO, 800n * GWEI, 0], 800n * GWEI);
  const maturity = (await now(c)) + 10 * DAY;
  await must("pledge", rival, "registry", "pledge", [displaced, lender, maturity, "0x"]);
  await must("reveal (priority claim)", buyer, "registry", "reveal", [
    registration(buyer, "X", [], grandLicensee),
    salt,
  ]);

  // A batch of two leaves anchored by two submitters; one leaf's file is registered later by someone else and claimed
  // from one submitter's anchor, the other revealed days late from the other's.
  const leaves = [
    { creator: buyer, contentHash: label("Y"), salt: label("salt Y") },
    { creator: artisan, contentHash: label("Z"), salt: label("salt Z") },
  ];
  const hashed = leaves.map((l) => batchLeafOf(l.creator, l.contentHash, l.salt));
  const tree = buildMerkleTree(hashed);
  await must("anchorBatch", lender, "registry", "anchorBatch", [tree.root, 2, "0x"]);
  await must("anchorBatch (same root)", rival, "registry", "anchorBatch", [tree.root, 2, "0x"]);
  await jump(c, DAY + 5);
  const front = await register(licensee, "Y");
  await jump(c, DAY);
  const [y, z] = leaves as [(typeof leaves)[number], (typeof leaves)[number]];
  await must("reveal from a batch (priority claim)", buyer, "registry", "revealFromBatch", [
    registration(buyer, "Y"),
    y.salt,
    lender,
    tree.root,
    merkleProofOf(tree, hashed[0] as Hex),
  ]);
  await must("reveal from a batch", artisan, "registry", "revealFromBatch", [
    registration(artisan, "Z"),
    z.salt,
    rival,
    tree.root,
    merkleProofOf(tree, hashed[1] as Hex),
  ]);

  // Consent belongs to one pledge: P pledged to a lender who consents, released, pledged to the same lender again.
  await must("pledge P", artisan, "registry", "pledge", [parent, lender, (await now(c)) + 10 * DAY, "0x"]);
  await must("setPledgeeConsent", lender, "ledger", "setPledgeeConsent", [parent, true]);
  await buy(adaptP, grandLicensee);
  await must("releasePledge", lender, "registry", "releasePledge", [parent]);
  await must("pledge P again", artisan, "registry", "pledge", [parent, lender, (await now(c)) + 10 * DAY, "0x"]);
  await must("setPledgeeConsent again", lender, "ledger", "setPledgeeConsent", [parent, true]);
  await buy(adaptP, buyer);
  await must("setPledgeeConsent withdrawn", lender, "ledger", "setPledgeeConsent", [parent, false]);

  return { parent, derivative, grandchild, claimed: [displaced, front], revealedLate: BigInt(label("Z")) };
}
