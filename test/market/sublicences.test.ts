// Sublicences: scope inside the parent, refusals, the tree and derivatives under them.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { type Address, zeroAddress, zeroHash } from "viem";
import {
  countryHex,
  FOREVER,
  fieldsOf,
  type GrantRef,
  GrantStatus,
  grantIdOf,
  LicenceKind,
  type LicenceTerms,
  OfferStatus,
  type SublicenceTerms,
  sublicenceTermsHashOf,
  territoryOf,
  Use,
  usesOf,
} from "../../core/licence.ts";
import { workIdOf } from "../../core/registration.ts";
import { newWork } from "../registry/fixture.ts";
import {
  buyLicence,
  cid,
  createOffer,
  DAY,
  deployMarket,
  licenceTerms,
  type MarketFixture,
  networkHelpers,
  nextBlockAt,
  nowSeconds,
  registerWork,
  sublicenceTerms,
  YEAR,
} from "./fixture.ts";

type Grant = GrantRef & { grantId: bigint };
type SubFixture = MarketFixture & { workId: bigint; parent: Grant };

const PARENT_USES = usesOf(["reproduce", "display", "adapt", "sublicense"]);
const PARENT_FIELDS = fieldsOf(["apparel", "publishing"]);
const APPAREL = fieldsOf(["apparel"]);
const CN = countryHex("CN");

/**
 * Terms of a sublicensable parent offer: reproduce, display, adapt and sublicense, in apparel and publishing, in China
 * and Japan, perpetual (no duration) unless overridden.
 */
function parentTerms(overrides: Partial<LicenceTerms> = {}): LicenceTerms {
  return licenceTerms({
    uses: PARENT_USES,
    fields: PARENT_FIELDS,
    territory: territoryOf(["CN", "JP"]),
    duration: 0,
    ...overrides,
  });
}

/** Sublicence terms inside {parentTerms}: reproduce and display, apparel, China, from now, perpetual. */
function childTerms(overrides: Partial<SublicenceTerms> = {}): SublicenceTerms {
  return sublicenceTerms({ fields: APPAREL, ...overrides });
}

/** A grant's coordinates alone, as the ledger's `GrantRef` argument. */
function refOf({ workId, offerIndex, serial }: GrantRef): GrantRef {
  return { workId, offerIndex, serial };
}

/** The tuple `SublicenceIssued` carries for `terms`. */
function asTuple(t: SublicenceTerms): unknown[] {
  return [t.uses, t.fields, t.transferable, t.worldwide, t.territory, t.start, t.end, t.textHash, t.textCid];
}

/** `licensee` buys a new offer of `workId` (published by the artisan, free) on `terms`. */
async function buyParent(f: MarketFixture, workId: bigint, terms: LicenceTerms): Promise<Grant> {
  const index = await createOffer(f.ledger, f.artisan, workId, terms, 0n);
  return buyLicence(f.ledger, f.licensee, workId, index, terms, 0n);
}

/** A work held by the artisan, and `licensee` holding a perpetual sublicensable grant of it ({parentTerms}). */
async function deploySublicensable(): Promise<SubFixture> {
  const f = await deployMarket();
  const workId = await registerWork(f.registry, f.artisan);
  const parent = await buyParent(f, workId, parentTerms());
  return { ...f, workId, parent };
}

/** The holder of `parent` issues a sublicence on `terms` to `licensee`; returns its coordinates. */
async function issue(
  f: MarketFixture,
  holder: HardhatEthersSigner,
  parent: GrantRef,
  licensee: HardhatEthersSigner,
  terms: SublicenceTerms,
): Promise<Grant> {
  const offerIndex = Number(await f.ledger.offerCount(parent.workId));
  await f.ledger.connect(holder).issueSublicence(refOf(parent), licensee.address, terms);
  const ref = { workId: parent.workId, offerIndex, serial: 1 };
  return { ...ref, grantId: grantIdOf(ref) };
}

/** `licensee` asks for a sublicence on `terms` for `other` under `parent` (the fixture's parent by default). */
function request(f: SubFixture, terms: SublicenceTerms, parent: GrantRef = f.parent) {
  return f.ledger.connect(f.licensee).issueSublicence(refOf(parent), f.other.address, terms);
}

/** Checks that `terms` under `parent` are refused with ScopeExceedsParent naming `what`, and nothing was issued. */
async function expectScopeExceeds(f: SubFixture, terms: SublicenceTerms, what: string, parent: Grant = f.parent) {
  const count = await f.ledger.offerCount(f.workId);
  await expect(request(f, terms, parent))
    .to.be.revertedWithCustomError(f.ledger, "ScopeExceedsParent")
    .withArgs(parent.grantId, what);
  expect(await f.ledger.offerCount(f.workId)).to.equal(count);
}

/** Whether `ref` lets `account` reproduce in China, in apparel, at `time`. */
function reproduces(f: MarketFixture, ref: GrantRef, account: Address | string, time: number | bigint) {
  return f.ledger.permits(refOf(ref), account, Use.reproduce, CN, APPAREL, time);
}

describe("LicenceLedger: sublicences", () => {
  describe("issueSublicence", () => {
    it("emits SublicenceIssued with the next offer index, the terms hash, the terms and the period, and mints", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const terms = childTerms();
      const offerIndex = Number(await f.ledger.offerCount(f.workId));
      expect(offerIndex).to.equal(1);
      const grantId = grantIdOf({ workId: f.workId, offerIndex, serial: 1 });
      const t = await nextBlockAt();
      await expect(request(f, terms))
        .to.emit(f.ledger, "SublicenceIssued")
        .withArgs(
          grantId,
          f.parent.grantId,
          f.workId,
          offerIndex,
          f.licensee.address,
          f.other.address,
          sublicenceTermsHashOf(terms),
          asTuple(terms),
          t,
          FOREVER,
          t,
        )
        .and.to.emit(f.ledger, "TransferSingle")
        .withArgs(f.licensee.address, zeroAddress, f.other.address, grantId, 1);
      expect(await f.ledger.balanceOf(f.other.address, grantId)).to.equal(1n);
      expect(await f.ledger.offerCount(f.workId)).to.equal(2n);
    });

    it("returns the sublicence's coordinates (static call) and records its grant under the parent", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const parent = await buyParent(f, f.workId, parentTerms({ transferable: true, territory: territoryOf(["FR"]) }));
      const terms = childTerms({ transferable: true, territory: territoryOf(["FR"]) });
      const returned = await f.ledger
        .connect(f.licensee)
        .issueSublicence.staticCall(refOf(parent), f.other.address, terms);
      const t = await nextBlockAt();
      const sub = await issue(f, f.licensee, parent, f.other, terms);
      expect([returned.workId, returned.offerIndex, returned.serial]).to.deep.equal([
        sub.workId,
        BigInt(sub.offerIndex),
        1n,
      ]);
      const grant = await f.ledger.grantOf(sub.grantId);
      expect([
        grant.holder,
        grant.start,
        grant.end,
        grant.status,
        grant.transferable,
        grant.parentGrantId,
      ]).to.deep.equal([f.other.address, t, BigInt(FOREVER), BigInt(GrantStatus.Active), true, parent.grantId]);
    });

    it("records the sublicence as a closed one-grant offer of the work with the sublicence's scope", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const terms = childTerms({ territory: territoryOf(["JP"]) });
      const t = await nextBlockAt();
      const sub = await issue(f, f.licensee, f.parent, f.other, terms);
      const offer = await f.ledger.offerOf(f.workId, sub.offerIndex);
      expect(offer.status).to.equal(BigInt(OfferStatus.Closed));
      expect(offer.kind).to.equal(BigInt(LicenceKind.NonExclusive));
      expect([offer.supply, offer.sold, offer.price, offer.duration]).to.deep.equal([1n, 1n, 0n, 0n]);
      expect([offer.uses, offer.fields]).to.deep.equal([BigInt(terms.uses), BigInt(APPAREL)]);
      expect([offer.start, offer.end]).to.deep.equal([t, BigInt(FOREVER)]);
      expect(offer.territory).to.deep.equal(territoryOf(["JP"]));
      expect(offer.termsHash).to.equal(sublicenceTermsHashOf(terms).slice(0, 42));
    });

    it("a sublicence with a later start and an end is Scheduled for exactly that period", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const start = (await nowSeconds()) + 10 * DAY;
      const terms = childTerms({ start, end: start + YEAR });
      const t = await nextBlockAt();
      await expect(request(f, terms))
        .to.emit(f.ledger, "SublicenceIssued")
        .withArgs(
          grantIdOf({ workId: f.workId, offerIndex: 1, serial: 1 }),
          f.parent.grantId,
          f.workId,
          1,
          f.licensee.address,
          f.other.address,
          sublicenceTermsHashOf(terms),
          asTuple(terms),
          start,
          start + YEAR,
          t,
        );
      const sub = { workId: f.workId, offerIndex: 1, serial: 1 };
      expect(await f.ledger.grantStatus(grantIdOf(sub))).to.equal(BigInt(GrantStatus.Scheduled));
      expect(await reproduces(f, sub, f.other.address, start - 1)).to.equal(false);
      expect(await reproduces(f, sub, f.other.address, start)).to.equal(true);
      expect(await reproduces(f, sub, f.other.address, start + YEAR)).to.equal(false);
    });
  });

  describe("scope", () => {
    it('refuses a use the parent lacks with ScopeExceedsParent(parent, "uses")', async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      await expectScopeExceeds(f, childTerms({ uses: usesOf(["reproduce", "distribute"]) }), "uses");
    });

    it('refuses a field the parent lacks with ScopeExceedsParent(parent, "fields")', async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      await expectScopeExceeds(f, childTerms({ fields: fieldsOf(["apparel", "digital"]) }), "fields");
    });

    it('refuses a country outside the parent\'s with ScopeExceedsParent(parent, "territory")', async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      await expectScopeExceeds(f, childTerms({ territory: territoryOf(["CN", "US"]) }), "territory");
    });

    it('refuses a worldwide sublicence under a parent limited to countries with "territory"', async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      await expectScopeExceeds(f, childTerms({ worldwide: true, territory: [0n, 0n, 0n] }), "territory");
    });

    it('refuses a start before the parent\'s (a parent starting later) with "start"', async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const parentStart = (await nowSeconds()) + 30 * DAY;
      const parent = await buyParent(f, f.workId, parentTerms({ start: parentStart }));
      expect((await f.ledger.grantOf(parent.grantId)).start).to.equal(BigInt(parentStart));
      await expectScopeExceeds(f, childTerms(), "start", parent);
      await expectScopeExceeds(f, childTerms({ start: parentStart - 1 }), "start", parent);
    });

    it('refuses an end after the parent\'s with "end"', async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const parent = await buyParent(f, f.workId, parentTerms({ duration: YEAR }));
      const parentEnd = Number((await f.ledger.grantOf(parent.grantId)).end);
      await expectScopeExceeds(f, childTerms({ end: parentEnd + 1 }), "end", parent);
    });

    it('refuses a perpetual sublicence under a finite parent with "end"', async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const parent = await buyParent(f, f.workId, parentTerms({ duration: YEAR }));
      await expectScopeExceeds(f, childTerms({ end: 0 }), "end", parent);
    });

    it("accepts a subset of the uses, fields and countries ending exactly when the parent ends", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const parent = await buyParent(f, f.workId, parentTerms({ duration: YEAR }));
      const parentEnd = Number((await f.ledger.grantOf(parent.grantId)).end);
      const terms = childTerms({ uses: Use.reproduce, territory: territoryOf(["JP"]), end: parentEnd });
      const sub = await issue(f, f.licensee, parent, f.other, terms);
      const grant = await f.ledger.grantOf(sub.grantId);
      expect([grant.end, grant.parentGrantId]).to.deep.equal([BigInt(parentEnd), parent.grantId]);
      const now = await nowSeconds();
      const japan = countryHex("JP");
      expect(await f.ledger.permits(refOf(sub), f.other.address, Use.reproduce, japan, APPAREL, now)).to.equal(true);
      expect(await f.ledger.permits(refOf(sub), f.other.address, Use.reproduce, CN, APPAREL, now)).to.equal(false);
      expect(await f.ledger.permits(refOf(sub), f.other.address, Use.display, japan, APPAREL, now)).to.equal(false);
    });

    it("accepts a start exactly at a later parent's start", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const parentStart = (await nowSeconds()) + 30 * DAY;
      const parent = await buyParent(f, f.workId, parentTerms({ start: parentStart }));
      const sub = await issue(f, f.licensee, parent, f.other, childTerms({ start: parentStart }));
      expect((await f.ledger.grantOf(sub.grantId)).start).to.equal(BigInt(parentStart));
      expect(await f.ledger.grantStatus(sub.grantId)).to.equal(BigInt(GrantStatus.Scheduled));
    });

    it("under a worldwide parent accepts both a worldwide sublicence and one limited to countries", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const parent = await buyParent(f, f.workId, parentTerms({ worldwide: true, territory: [0n, 0n, 0n] }));
      const world = await issue(
        f,
        f.licensee,
        parent,
        f.other,
        childTerms({ worldwide: true, territory: [0n, 0n, 0n] }),
      );
      const brazil = await issue(f, f.licensee, parent, f.buyer, childTerms({ territory: territoryOf(["BR"]) }));
      const now = await nowSeconds();
      const us = countryHex("US");
      expect(await f.ledger.permits(refOf(world), f.other.address, Use.reproduce, us, APPAREL, now)).to.equal(true);
      expect(await f.ledger.permits(refOf(brazil), f.buyer.address, Use.reproduce, us, APPAREL, now)).to.equal(false);
    });
  });

  describe("refusals", () => {
    it("refuses anyone but the parent grant's holder with NotGrantHolder", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      await expect(f.ledger.connect(f.artisan).issueSublicence(refOf(f.parent), f.other.address, childTerms()))
        .to.be.revertedWithCustomError(f.ledger, "NotGrantHolder")
        .withArgs(f.parent.grantId, f.artisan.address);
    });

    it("refuses the zero address as licensee with InvalidLicensee", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      await expect(f.ledger.connect(f.licensee).issueSublicence(refOf(f.parent), zeroAddress, childTerms()))
        .to.be.revertedWithCustomError(f.ledger, "InvalidLicensee")
        .withArgs(zeroAddress);
    });

    it("refuses a parent grant without the sublicense use with NotSublicensable", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const plain = await buyParent(f, f.workId, parentTerms({ uses: usesOf(["reproduce", "display"]) }));
      await expect(request(f, childTerms(), plain))
        .to.be.revertedWithCustomError(f.ledger, "NotSublicensable")
        .withArgs(plain.grantId);
    });

    it("refuses an end at the start with InvalidTerm(start, end, 0)", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const start = (await nowSeconds()) + 10 * DAY;
      await expect(request(f, childTerms({ start, end: start })))
        .to.be.revertedWithCustomError(f.ledger, "InvalidTerm")
        .withArgs(start, start, 0);
    });

    it("refuses an end already past with InvalidTerm(0, end, 0)", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const end = await nowSeconds();
      await expect(request(f, childTerms({ end })))
        .to.be.revertedWithCustomError(f.ledger, "InvalidTerm")
        .withArgs(0, end, 0);
    });

    it("refuses a zero legal text hash with InvalidLegalText", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const terms = childTerms({ textHash: zeroHash });
      await expect(request(f, terms))
        .to.be.revertedWithCustomError(f.ledger, "InvalidLegalText")
        .withArgs(zeroHash, terms.textCid);
    });

    it("refuses a legal text CID that is not a CIDv1 with InvalidLegalText", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const terms = childTerms({ textCid: "0x1220abcd" });
      await expect(request(f, terms))
        .to.be.revertedWithCustomError(f.ledger, "InvalidLegalText")
        .withArgs(terms.textHash, "0x1220abcd");
    });

    for (const uses of [0, 64]) {
      it(`refuses uses ${uses} with InvalidUses(${uses})`, async () => {
        const f = await networkHelpers.loadFixture(deploySublicensable);
        await expect(request(f, childTerms({ uses })))
          .to.be.revertedWithCustomError(f.ledger, "InvalidUses")
          .withArgs(uses);
      });
    }

    it("refuses no field with InvalidFields(0)", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      await expect(request(f, childTerms({ fields: 0 })))
        .to.be.revertedWithCustomError(f.ledger, "InvalidFields")
        .withArgs(0);
    });

    const territories: { label: string; worldwide: boolean; territory: [bigint, bigint, bigint] }[] = [
      { label: "worldwide with countries", worldwide: true, territory: territoryOf(["CN"]) },
      { label: "no country and not worldwide", worldwide: false, territory: [0n, 0n, 0n] },
      { label: "a bit past ZZ", worldwide: false, territory: [0n, 0n, 1n << 164n] },
    ];
    for (const { label, worldwide, territory } of territories) {
      it(`refuses ${label} with InvalidTerritory(${worldwide})`, async () => {
        const f = await networkHelpers.loadFixture(deploySublicensable);
        await expect(request(f, childTerms({ worldwide, territory })))
          .to.be.revertedWithCustomError(f.ledger, "InvalidTerritory")
          .withArgs(worldwide);
      });
    }

    it("refuses under a terminated parent with GrantEnded(parent, Terminated)", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      await f.ledger.connect(f.artisan).terminateLicence(refOf(f.parent), cid());
      await expect(request(f, childTerms()))
        .to.be.revertedWithCustomError(f.ledger, "GrantEnded")
        .withArgs(f.parent.grantId, GrantStatus.Terminated);
    });

    it("refuses under a surrendered parent with GrantEnded(parent, Surrendered)", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      await f.ledger.connect(f.licensee).surrenderLicence(f.parent.grantId);
      await expect(request(f, childTerms()))
        .to.be.revertedWithCustomError(f.ledger, "GrantEnded")
        .withArgs(f.parent.grantId, GrantStatus.Surrendered);
    });

    it("refuses a made-up parent with UnknownGrant", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const madeUp = { workId: f.workId, offerIndex: 7, serial: 3 };
      await expect(request(f, childTerms(), madeUp))
        .to.be.revertedWithCustomError(f.ledger, "UnknownGrant")
        .withArgs(grantIdOf(madeUp));
    });

    it("refuses while the work is disputed (WorkDisputed), as sales are (review finding 11)", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      await f.registry.connect(f.arbiter).flagDispute(f.workId, cid());
      await expect(request(f, childTerms())).to.be.revertedWithCustomError(f.ledger, "WorkDisputed").withArgs(f.workId);
      await f.registry.connect(f.arbiter).clearDispute(f.workId, cid());
      await request(f, childTerms());
    });

    it("refuses while the work is pledged without the pledgee's consent (WorkPledged), as sales are", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      await f.registry.connect(f.artisan).pledge(f.workId, f.lender.address, (await nowSeconds()) + YEAR, cid());
      await expect(request(f, childTerms()))
        .to.be.revertedWithCustomError(f.ledger, "WorkPledged")
        .withArgs(f.workId, f.lender.address);
      await f.ledger.connect(f.lender).setPledgeeConsent(f.workId, true);
      await request(f, childTerms());
    });

    it('refuses a transferable sublicence under a non-transferable grant: ScopeExceedsParent(parent, "transferable")', async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      await expectScopeExceeds(f, childTerms({ transferable: true }), "transferable");
    });

    it("refuses a sublicence more than MAX_SUBLICENCE_DEPTH levels below its root: SublicenceTooDeep(parent, max)", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      expect(await f.ledger.MAX_SUBLICENCE_DEPTH()).to.equal(8n);
      const holders = [f.other, f.buyer];
      let parent: Grant = f.parent;
      let holder = f.licensee;
      for (let level = 1; level <= 8; level += 1) {
        const next = holders[level % 2] as HardhatEthersSigner;
        parent = await issue(f, holder, parent, next, childTerms({ uses: usesOf(["reproduce", "sublicense"]) }));
        holder = next;
      }
      await expect(f.ledger.connect(holder).issueSublicence(refOf(parent), f.licensee.address, childTerms()))
        .to.be.revertedWithCustomError(f.ledger, "SublicenceTooDeep")
        .withArgs(parent.grantId, 8n);
    });

    it("counts each sublicence as an encumbrance of the work, as a sale is", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const before = (await f.registry.titleOf(f.workId)).encumbrances;
      await request(f, childTerms());
      expect((await f.registry.titleOf(f.workId)).encumbrances).to.equal(before + 1n);
    });
  });

  describe("the sublicence tree", () => {
    /** The fixture plus `other` holding a sublicensable child and `buyer` a grandchild under it. */
    async function deployTree(): Promise<SubFixture & { child: Grant; grandchild: Grant }> {
      const f = await deploySublicensable();
      const child = await issue(f, f.licensee, f.parent, f.other, childTerms({ uses: PARENT_USES }));
      const grandchild = await issue(f, f.other, child, f.buyer, childTerms({ uses: Use.reproduce }));
      return { ...f, child, grandchild };
    }

    it("the holder of a sublicence with the sublicense use issues a grandchild, whose parent is the sublicence", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const child = await issue(f, f.licensee, f.parent, f.other, childTerms({ uses: PARENT_USES }));
      const terms = childTerms({ uses: Use.reproduce });
      const grandchildId = grantIdOf({ workId: f.workId, offerIndex: 2, serial: 1 });
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.other).issueSublicence(refOf(child), f.buyer.address, terms))
        .to.emit(f.ledger, "SublicenceIssued")
        .withArgs(
          grandchildId,
          child.grantId,
          f.workId,
          2,
          f.other.address,
          f.buyer.address,
          sublicenceTermsHashOf(terms),
          asTuple(terms),
          t,
          FOREVER,
          t,
        );
      expect((await f.ledger.grantOf(grandchildId)).parentGrantId).to.equal(child.grantId);
      expect(await reproduces(f, { workId: f.workId, offerIndex: 2, serial: 1 }, f.buyer.address, t)).to.equal(true);
    });

    it("a sublicence without the sublicense use cannot be sublicensed further", async () => {
      const f = await networkHelpers.loadFixture(deployTree);
      await expect(f.ledger.connect(f.buyer).issueSublicence(refOf(f.grandchild), f.lender.address, childTerms()))
        .to.be.revertedWithCustomError(f.ledger, "NotSublicensable")
        .withArgs(f.grandchild.grantId);
    });

    it("a grandchild's scope is checked against its own parent, not the root", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const narrow = usesOf(["reproduce", "sublicense"]);
      const child = await issue(f, f.licensee, f.parent, f.other, childTerms({ uses: narrow }));
      await expect(f.ledger.connect(f.other).issueSublicence(refOf(child), f.buyer.address, childTerms()))
        .to.be.revertedWithCustomError(f.ledger, "ScopeExceedsParent")
        .withArgs(child.grantId, "uses");
    });

    it("terminating the parent makes its sublicence ParentEnded, permitting nothing from then on", async () => {
      const f = await networkHelpers.loadFixture(deployTree);
      const issuedAt = Number((await f.ledger.grantOf(f.child.grantId)).start);
      await networkHelpers.time.increase(DAY);
      const ended = await nextBlockAt();
      await f.ledger.connect(f.artisan).terminateLicence(refOf(f.parent), cid());
      expect(await f.ledger.grantStatus(f.parent.grantId)).to.equal(BigInt(GrantStatus.Terminated));
      expect(await f.ledger.grantStatus(f.child.grantId)).to.equal(BigInt(GrantStatus.ParentEnded));
      expect((await f.ledger.grantOf(f.child.grantId)).status).to.equal(BigInt(GrantStatus.ParentEnded));
      expect(await reproduces(f, f.child, f.other.address, issuedAt)).to.equal(true);
      expect(await reproduces(f, f.child, f.other.address, ended - 1n)).to.equal(true);
      expect(await reproduces(f, f.child, f.other.address, ended)).to.equal(false);
      expect(await reproduces(f, f.child, f.other.address, ended + BigInt(YEAR))).to.equal(false);
    });

    it("a sublicence whose parent has ended cannot issue sublicences: GrantEnded(grantId, ParentEnded)", async () => {
      const f = await networkHelpers.loadFixture(deployTree);
      await f.ledger.connect(f.artisan).terminateLicence(refOf(f.parent), cid());
      const count = await f.ledger.offerCount(f.workId);
      await expect(f.ledger.connect(f.other).issueSublicence(refOf(f.child), f.lender.address, childTerms()))
        .to.be.revertedWithCustomError(f.ledger, "GrantEnded")
        .withArgs(f.child.grantId, GrantStatus.ParentEnded);
      expect(await f.ledger.offerCount(f.workId)).to.equal(count);
    });

    it("a grandchild permits only while every ancestor did: ending the root ends it too", async () => {
      const f = await networkHelpers.loadFixture(deployTree);
      await networkHelpers.time.increase(DAY);
      const ended = await nextBlockAt();
      await f.ledger.connect(f.artisan).terminateLicence(refOf(f.parent), cid());
      expect(await f.ledger.grantStatus(f.grandchild.grantId)).to.equal(BigInt(GrantStatus.ParentEnded));
      expect(await reproduces(f, f.grandchild, f.buyer.address, ended - 1n)).to.equal(true);
      expect(await reproduces(f, f.grandchild, f.buyer.address, ended)).to.equal(false);
    });

    it("surrendering the parent makes its sublicence ParentEnded as well", async () => {
      const f = await networkHelpers.loadFixture(deployTree);
      const ended = await nextBlockAt();
      await f.ledger.connect(f.licensee).surrenderLicence(f.parent.grantId);
      expect(await f.ledger.grantStatus(f.child.grantId)).to.equal(BigInt(GrantStatus.ParentEnded));
      expect(await reproduces(f, f.child, f.other.address, ended - 1n)).to.equal(true);
      expect(await reproduces(f, f.child, f.other.address, ended)).to.equal(false);
    });

    it("the parent's holder, as licensor, terminates a sublicence; the parent stays active", async () => {
      const f = await networkHelpers.loadFixture(deployTree);
      const reason = cid();
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.licensee).terminateLicence(refOf(f.child), reason))
        .to.emit(f.ledger, "LicenceTerminated")
        .withArgs(f.child.grantId, f.workId, f.licensee.address, f.other.address, reason, t)
        .and.to.emit(f.ledger, "TransferSingle")
        .withArgs(f.licensee.address, f.other.address, zeroAddress, f.child.grantId, 1);
      expect(await f.ledger.grantStatus(f.child.grantId)).to.equal(BigInt(GrantStatus.Terminated));
      expect(await f.ledger.balanceOf(f.other.address, f.child.grantId)).to.equal(0n);
      expect(await f.ledger.grantStatus(f.parent.grantId)).to.equal(BigInt(GrantStatus.Active));
      expect(await f.ledger.grantStatus(f.grandchild.grantId)).to.equal(BigInt(GrantStatus.ParentEnded));
    });

    for (const who of ["artisan", "other", "buyer"] as const) {
      const role = { artisan: "the work's holder", other: "the sublicensee", buyer: "a stranger" }[who];
      it(`refuses ${role} terminating a sublicence with NotLicensor`, async () => {
        const f = await networkHelpers.loadFixture(deployTree);
        const caller = f[who];
        await expect(f.ledger.connect(caller).terminateLicence(refOf(f.child), cid()))
          .to.be.revertedWithCustomError(f.ledger, "NotLicensor")
          .withArgs(f.child.grantId, caller.address);
        expect(await f.ledger.grantStatus(f.child.grantId)).to.equal(BigInt(GrantStatus.Active));
      });
    }

    it("after a transferable parent changes hands, its new holder is the sublicence's licensor", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const parent = await buyParent(f, f.workId, parentTerms({ transferable: true }));
      const child = await issue(f, f.licensee, parent, f.other, childTerms());
      await f.ledger
        .connect(f.licensee)
        .safeTransferFrom(f.licensee.address, f.lender.address, parent.grantId, 1, "0x");
      await expect(f.ledger.connect(f.licensee).terminateLicence(refOf(child), cid()))
        .to.be.revertedWithCustomError(f.ledger, "NotLicensor")
        .withArgs(child.grantId, f.licensee.address);
      await f.ledger.connect(f.lender).terminateLicence(refOf(child), cid());
      expect(await f.ledger.grantStatus(child.grantId)).to.equal(BigInt(GrantStatus.Terminated));
    });
  });

  describe("derivatives under a sublicence", () => {
    /** `other` registers a work derived from the fixture's work. */
    function registerDerivative(f: SubFixture) {
      const r = newWork(f.other.address, { parents: [f.workId] });
      return { id: workIdOf(r.contentHash), tx: f.registry.connect(f.other).register(r) };
    }

    it("a sublicence with the adapt use, once its holder names it, lets it register a derivative (DerivativeAuthorised)", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const sub = await issue(f, f.licensee, f.parent, f.other, childTerms({ uses: usesOf(["reproduce", "adapt"]) }));
      // Issuing never names the grant for its holder: only the holder's own act does.
      expect(await f.ledger.derivativeGrantOf(f.other.address, f.workId)).to.equal(0n);
      await f.ledger.connect(f.other).useForDerivatives(refOf(sub));
      expect(await f.ledger.derivativeGrantOf(f.other.address, f.workId)).to.equal(sub.grantId);
      const t = await nextBlockAt();
      const { id, tx } = registerDerivative(f);
      await expect(tx)
        .to.emit(f.registry, "DerivativeAuthorised")
        .withArgs(id, f.workId, f.ledgerAddress, sub.grantId, t);
      expect((await f.registry.workOf(id)).parents).to.deep.equal([f.workId]);
    });

    it("a sublicence without adapt does not", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      await issue(f, f.licensee, f.parent, f.other, childTerms());
      const { tx } = registerDerivative(f);
      await expect(tx)
        .to.be.revertedWithCustomError(f.registry, "ParentNotAuthorised")
        .withArgs(f.workId, f.other.address);
    });

    it("the adapt right lapses when the parent is terminated", async () => {
      const f = await networkHelpers.loadFixture(deploySublicensable);
      const sub = await issue(f, f.licensee, f.parent, f.other, childTerms({ uses: usesOf(["reproduce", "adapt"]) }));
      await f.ledger.connect(f.other).useForDerivatives(refOf(sub));
      await f.ledger.connect(f.artisan).terminateLicence(refOf(f.parent), cid());
      expect(await f.ledger.derivativeGrantOf(f.other.address, f.workId)).to.equal(0n);
      const { tx } = registerDerivative(f);
      await expect(tx)
        .to.be.revertedWithCustomError(f.registry, "ParentNotAuthorised")
        .withArgs(f.workId, f.other.address);
    });
  });
});
