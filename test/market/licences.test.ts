import { expect } from "chai";
import { deployMarket, ethers, networkHelpers, nowSeconds, registerWork, licenceTerms, createOffer, buyLicence, cid } from "./fixture.ts";
import { grantIdOf, termsHashOf } from "../../core/licence.ts";

describe("probe", () => {
  it("time", async () => {
    const f = await networkHelpers.loadFixture(deployMarket);
    const workId = await registerWork(f.registry, f.artisan);
    const terms = licenceTerms({ duration: 100 });
    const i = await createOffer(f.ledger, f.artisan, workId, terms, 0n);
    const g = await buyLicence(f.ledger, f.licensee, workId, i, terms, 0n);
    const gr = await f.ledger.grantOf(g.grantId);
    console.log(gr, await nowSeconds());
    await networkHelpers.time.increaseTo(gr.end - 1n);
    console.log(await nowSeconds(), await f.ledger.grantStatus(g.grantId));
    await networkHelpers.time.increaseTo(gr.end);
    console.log(await nowSeconds(), await f.ledger.grantStatus(g.grantId));
    const nr = await ethers.deployContract("NonReceiver");
    await expect(f.ledger.connect(f.licensee).buyLicence(workId, i, termsHashOf(terms), 0n, await nr.getAddress())).to.be.revertedWithCustomError(f.ledger, "ERC1155InvalidReceiver");
  });
});
