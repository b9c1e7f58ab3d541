// The generated viem ABIs match the compiled contracts.
import { expect } from "chai";
import { decodeEventLog, type Hex, parseEventLogs } from "viem";
import { termsHashOf } from "../../core/licence.ts";
import { licenceLedgerAbi, provenanceRegistryAbi } from "../../types/abi/index.js";
import { createOffer, deployMarket, licenceTerms, networkHelpers, registerWork } from "./fixture.ts";

/** The ABIs generated from the build artifacts (`npm run build`) decode the contracts' real logs with viem. */
describe("generated ABIs", () => {
  it("decode a registration and a licence purchase from their receipts", async () => {
    const f = await networkHelpers.loadFixture(deployMarket);
    const workId = await registerWork(f.registry, f.artisan);
    const terms = licenceTerms();
    const index = await createOffer(f.ledger, f.artisan, workId, terms, 1000n);
    const tx = await f.ledger
      .connect(f.licensee)
      .buyLicence(workId, index, termsHashOf(terms), 1000n, f.licensee.address, { value: 1000n });
    const receipt = await tx.wait();
    if (!receipt) throw new Error("no receipt");
    // Only what a JSON-RPC log carries: ethers' receipt logs also hold its own decoding.
    const logs = receipt.logs.map((l) => ({
      address: l.address as Hex,
      data: l.data as Hex,
      topics: l.topics as [Hex, ...Hex[]],
      blockNumber: BigInt(l.blockNumber),
      blockHash: l.blockHash as Hex,
      transactionHash: l.transactionHash as Hex,
      transactionIndex: l.transactionIndex,
      logIndex: l.index,
      removed: false,
    }));
    const events = parseEventLogs({ abi: licenceLedgerAbi, logs });
    const purchase = events.find((e) => e.eventName === "LicencePurchased");
    expect(purchase?.args).to.include({ workId, licensee: f.licensee.address, price: 1000n, offerIndex: index });

    const registered = await f.registry.queryFilter(f.registry.filters.WorkRegistered(workId));
    const log = registered[0];
    if (!log) throw new Error("no WorkRegistered log");
    const decoded = decodeEventLog({ abi: provenanceRegistryAbi, data: log.data as Hex, topics: log.topics as [Hex] });
    expect(decoded.eventName).to.equal("WorkRegistered");
    expect(decoded.args).to.include({ workId, creator: f.artisan.address });
  });
});
