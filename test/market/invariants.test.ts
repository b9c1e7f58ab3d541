import { zeroAddress } from "viem";
import { deployMarket, networkHelpers, nowSeconds, registerWork } from "./fixture.ts";

describe("scratch", () => {
  it("probes", async () => {
    const f = await networkHelpers.loadFixture(deployMarket);
    console.log("t0", await nowSeconds());
    await networkHelpers.time.increase(100 * 86400);
    await networkHelpers.loadFixture(deployMarket);
    console.log("after revert", await nowSeconds());
    await f.registry.connect(f.artisan).setApprovalForAll(f.exchangeAddress, true);
    console.log("after tx", await nowSeconds());
    const workId = await registerWork(f.registry, f.artisan);
    await f.exchange.connect(f.licensee).placeBid(workId, zeroAddress, 1000n, 0, { value: 1000n });
    await f.registry.connect(f.artisan).transferFrom(f.artisan.address, f.licensee.address, workId);
    await f.registry.connect(f.licensee).setApprovalForAll(f.exchangeAddress, true);
    try {
      await f.exchange.connect(f.licensee).acceptBid(workId, f.licensee.address, zeroAddress, 1000n);
      console.log(
        "self accept ok",
        await f.exchange.owed(f.licensee.address, zeroAddress),
        await f.registry.ownerOf(workId),
      );
    } catch (e) {
      console.log("self accept reverted", (e as Error).message);
    }
  });
});
