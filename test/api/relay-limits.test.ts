// What the relayer can be made to spend: a client's hourly quota, everyone's daily quota, and the fee cap above which
// requests wait queued (on anvil, with PGlite and PostgreSQL).
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { commitRequestTypedData } from "../../core/eip712.ts";
import { pgliteBackend, postgresBackend } from "../db/backends.ts";
import { rpcCall } from "../indexer/chain.ts";
import { CHAIN_ID } from "../indexer/mirror.ts";
import { type ApiFixture, apiFixture, RELAYER_KEY } from "./fixture.ts";

const FAR = (2n ** 40n).toString();
const PER_IP = 3;
const PER_DAY = 6;
const MAX_FEE_GWEI = 50;

for (const make of [pgliteBackend, postgresBackend]) {
  const backend = make();
  describe(`the relayer's spending bounds on anvil and ${backend.name}`, function () {
    this.timeout(180_000);
    let f: ApiFixture;
    const accepted: string[] = [];

    before(async () => {
      f = await apiFixture(
        backend,
        {},
        {
          quotas: { perIpPerHour: PER_IP, perDay: PER_DAY, maxFeeGwei: MAX_FEE_GWEI },
          batch: { maxLeaves: 256, windowMs: 0 },
        },
      );
    });
    after(async () => {
      await f?.close();
    });

    /** A commitment signed by a new creator, posted from `ip`. */
    const commit = async (ip: string) => {
      const creator = privateKeyToAccount(generatePrivateKey());
      const message = { creator: creator.address, commitment: `0x${randomBytes(32).toString("hex")}` as Hex };
      const signature = await creator.signTypedData(
        commitRequestTypedData({
          chainId: CHAIN_ID,
          registry: f.d.registry,
          message: { ...message, deadline: 2n ** 40n },
        }),
      );
      const res = await f.app.inject({
        method: "POST",
        url: "/api/relay/commit",
        payload: { ...message, deadline: FAR, signature },
        remoteAddress: ip,
      });
      if (res.statusCode === 202) accepted.push((res.json() as { id: string }).id);
      return res;
    };
    const relay = async () =>
      (await f.app.inject({ url: "/api/relay" })).json() as {
        today: number;
        dailyQuota: number;
        queued: number;
        maxFeePerGas: string;
        feesAboveCap: boolean;
      };
    const relayerNonce = () => f.pub.getTransactionCount({ address: privateKeyToAccount(RELAYER_KEY).address });
    /** The next block's base fee, in gwei, then that block mined. */
    const baseFee = async (gwei: number) => {
      await rpcCall(f.anvil.url, "anvil_setNextBlockBaseFeePerGas", [`0x${(BigInt(gwei) * 10n ** 9n).toString(16)}`]);
      await rpcCall(f.anvil.url, "evm_mine");
    };

    it(`stops a client address at ${PER_IP} requests in the hour with 429, whichever creators sign them`, async () => {
      const statuses = [];
      for (let i = 0; i <= PER_IP; i++) statuses.push((await commit("198.51.100.1")).statusCode);
      expect(statuses).to.deep.equal([...Array(PER_IP).fill(202), 429]);
      const refused = await commit("198.51.100.1");
      expect(refused.json()).to.include({ code: "QuotaExceeded" });
      expect((refused.json() as { detail: string }).detail).to.contain("this address");
      expect(refused.headers["retry-after"]).to.equal("3600");
      // Another client is not held by the first one's quota.
      expect((await commit("198.51.100.2")).statusCode).to.equal(202);
    });

    it(`takes at most ${PER_DAY} requests a day from everyone together, then says it is busy (503)`, async () => {
      const before = await relay();
      expect(before.dailyQuota).to.equal(PER_DAY);
      expect(before.today).to.equal(accepted.length);
      const statuses = [];
      for (let i = before.today; i <= PER_DAY; i++) statuses.push((await commit(`203.0.113.${i}`)).statusCode);
      expect(statuses).to.deep.equal([...Array(PER_DAY - before.today).fill(202), 503]);
      const busy = await commit("203.0.113.99");
      expect(busy.json()).to.include({ code: "RelayBusy" });
      expect(busy.headers["retry-after"]).to.equal("3600");
      expect((await relay()).today).to.equal(PER_DAY);
    });

    it(`sends nothing while fees are above ${MAX_FEE_GWEI} gwei, and everything it holds once they fall`, async () => {
      await baseFee(4 * MAX_FEE_GWEI);
      const high = await relay();
      expect(high.feesAboveCap).to.equal(true);
      expect(high.maxFeePerGas).to.equal((BigInt(MAX_FEE_GWEI) * 10n ** 9n).toString());
      expect(high.queued).to.equal(PER_DAY);
      const nonce = await relayerNonce();
      expect(await f.relayer?.runOnce()).to.equal(0);
      expect(await relayerNonce(), "nothing sent").to.equal(nonce);
      expect((await relay()).queued).to.equal(PER_DAY);

      await baseFee(1);
      expect((await relay()).feesAboveCap).to.equal(false);
      for (let i = 0; i < 20 && (await relay()).queued > 0; i++) await f.relayer?.runOnce();
      for (let i = 0; i < 20; i++) {
        const statuses = await Promise.all(
          accepted.map(
            async (id) =>
              ((await f.app.inject({ url: `/api/relay/requests/${id}` })).json() as { status: string }).status,
          ),
        );
        if (statuses.every((s) => s === "mined")) break;
        await f.relayer?.runOnce();
      }
      const mined = await Promise.all(
        accepted.map(
          async (id) =>
            ((await f.app.inject({ url: `/api/relay/requests/${id}` })).json() as { status: string }).status,
        ),
      );
      expect(mined).to.deep.equal(Array(PER_DAY).fill("mined"));
      expect(await relayerNonce()).to.equal(nonce + PER_DAY);
    });
  });
}
