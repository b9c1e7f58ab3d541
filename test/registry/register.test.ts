import { expect } from "chai";
import { deployRegistry, networkHelpers, newWork } from "./fixture.ts";

describe("ProvenanceRegistry: register", () => {
  it("mints the provenance token to the holder under the work id of the file", async () => {
    const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
    const r = newWork(bob.address);
    await expect(registry.connect(alice).register(r)).to.emit(registry, "WorkRegistered");
    expect(await registry.ownerOf(r.contentHash)).to.equal(bob.address);
  });
});
