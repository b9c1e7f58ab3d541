// The exchange's reads through the API on a real chain: a work's escrowed bids and their standing, an account's earnings.
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { createWalletClient, type Hex, http, zeroAddress } from "viem";
import { foundry } from "viem/chains";
import { cidToHex } from "../../core/cid.ts";
import { exchangeAbi } from "../../types/abi/index.js";
import { pgliteBackend, postgresBackend } from "../db/backends.ts";
import { type ApiFixture, apiFixture } from "./fixture.ts";

const ETH = 10n ** 18n;

for (const make of [pgliteBackend, postgresBackend]) {
  const backend = make();
  describe(`bids and earnings on anvil and ${backend.name}`, function () {
    this.timeout(120_000);
    let f: ApiFixture;
    let seller: Hex;
    let bidder: Hex;
    let other: Hex;
    let work: bigint;

    before(async () => {
      f = await apiFixture(backend);
      [, , , , , , seller, bidder, other] = f.accounts as Hex[] as [Hex, Hex, Hex, Hex, Hex, Hex, Hex, Hex, Hex];
      work = await f.register(seller, randomBytes(400), { name: "A loom pattern" });
    });
    after(async () => {
      await f?.close();
    });

    const get = async <T>(url: string) => {
      const res = await f.app.inject({ method: "GET", url });
      expect(res.statusCode, res.body).to.equal(200);
      return res.json() as T;
    };
    const exchange = async (from: Hex, functionName: string, args: unknown[], value = 0n) => {
      const wallet = createWalletClient({ chain: foundry, transport: http(f.anvil.url), account: from });
      const hash = await wallet.writeContract({
        address: f.d.exchange,
        abi: exchangeAbi,
        functionName,
        args,
        value,
      } as never);
      expect((await f.pub.waitForTransactionReceipt({ hash })).status, functionName).to.equal("success");
    };
    type Bids = { bids: { bidder: string; currency: string; amount: string; expiry: string | null; state: string }[] };
    type Balances = { balances: { contract: string; source: string; currency: string; owed: string }[] };

    it("lists a work's bids highest first, open, then void once the work's encumbrances change", async () => {
      const expiry = Math.floor(Date.now() / 1000) + 86_400;
      await exchange(bidder, "placeBid", [work, zeroAddress, ETH / 10n, 0], ETH / 10n);
      await exchange(other, "placeBid", [work, zeroAddress, ETH / 4n, expiry], ETH / 4n);
      await f.sync();
      const { bids } = await get<Bids>(`/api/works/${work}/bids`);
      expect(bids.map((b) => [b.bidder, b.amount, b.expiry, b.state])).to.deep.equal([
        [other.toLowerCase(), (ETH / 4n).toString(), new Date(expiry * 1000).toISOString(), "open"],
        [bidder.toLowerCase(), (ETH / 10n).toString(), null, "open"],
      ]);
      expect(bids.every((b) => b.currency === zeroAddress)).to.equal(true);
      // The same by the work's hex id; an unknown work has none.
      const hex = `0x${work.toString(16).padStart(64, "0")}`;
      expect((await get<Bids>(`/api/works/${hex}/bids`)).bids).to.have.length(2);
      expect((await get<Bids>(`/api/works/${"1".repeat(70)}/bids`)).bids).to.deep.equal([]);

      await f.registry(seller, "updateMetadata", [
        work,
        cidToHex("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"),
      ]);
      await exchange(bidder, "withdrawBid", [work]);
      await f.sync();
      const after = (await get<Bids>(`/api/works/${work}/bids`)).bids;
      expect(after.map((b) => [b.bidder, b.state])).to.deep.equal([[other.toLowerCase(), "void"]]);
      await exchange(other, "withdrawBid", [work]);
    });

    it("shows what the exchange owes a seller after a sale, and nothing once withdrawn", async () => {
      await f.registry(seller, "approve", [f.d.exchange, work]);
      await exchange(seller, "listWork", [work, zeroAddress, ETH / 2n, 0]);
      await f.sync();
      const { encumbrances } = await get<{ encumbrances: number }>(`/api/works/${work}`);
      await exchange(bidder, "buyWork", [work, zeroAddress, ETH / 2n, encumbrances], ETH / 2n);
      await f.sync();
      const owed = await f.pub.readContract({
        address: f.d.exchange,
        abi: exchangeAbi,
        functionName: "owed",
        args: [seller, zeroAddress],
      });
      expect(owed).to.equal(ETH / 2n);
      expect((await get<Balances>(`/api/accounts/${seller}/balances`)).balances).to.deep.equal([
        { contract: f.d.exchange.toLowerCase(), source: "exchange", currency: zeroAddress, owed: owed.toString() },
      ]);
      expect((await get<Balances>(`/api/accounts/${bidder}/balances`)).balances).to.deep.equal([]);
      await exchange(seller, "withdraw", [zeroAddress]);
      await f.sync();
      expect((await get<Balances>(`/api/accounts/${seller}/balances`)).balances).to.deep.equal([]);
      const bad = await f.app.inject({ method: "GET", url: "/api/accounts/0x1234/balances" });
      expect([bad.statusCode, (bad.json() as { code: string }).code]).to.deep.equal([400, "InvalidField"]);
    });
  });
}
