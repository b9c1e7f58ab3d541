import { expect } from "chai";
import { termsHashOf } from "../../core/licence.ts";
import { buyLicence, createOffer, deployMarket, licenceTerms, networkHelpers, registerWork } from "./fixture.ts";

describe("market smoke", () => {
  it("sells a licence", async () => {
    const f = await networkHelpers.loadFixture(deployMarket);
    const workId = await registerWork(f.registry, f.artisan);
    const terms = licenceTerms();
    const i = await createOffer(f.ledger, f.artisan, workId, terms, 1000n);
    const offer = await f.ledger.offerOf(workId, i);
    expect(offer.termsHash).to.equal(termsHashOf(terms).slice(0, 42));
    const g = await buyLicence(f.ledger, f.licensee, workId, i, terms, 1000n);
    expect(await f.ledger.balanceOf(f.licensee.address, g.grantId)).to.equal(1n);
  });
});
