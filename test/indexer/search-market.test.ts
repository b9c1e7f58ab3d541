/** "Licensable now" and price filters of the search against simulated `buyLicence` calls on every offer. */
import { expect } from "chai";
import {
  type Abi,
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  parseEther,
  toHex,
  zeroAddress,
} from "viem";
import { foundry } from "viem/chains";
import { FOREVER, LicenceKind, type LicenceTerms, termsHashOf, territoryOf } from "../../core/licence.ts";
import { bytecodeOf, type Deployment, deployTitlechainViem } from "../../scripts/deploy/viem.ts";
import type { Database } from "../../server/db/database.ts";
import { migrate } from "../../server/db/migrate.ts";
import { RpcClient } from "../../server/indexer/rpc.ts";
import { SearchError, searchWorks, type WorkSearch } from "../../server/indexer/search.ts";
import { testTokenBytecode } from "../../types/abi/bytecode.js";
import { exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi, testTokenAbi } from "../../types/abi/index.js";
import { pgliteBackend, postgresBackend } from "../db/backends.ts";
import { licenceTermsWith, YEAR } from "../market/terms.ts";
import { type Anvil, rpcCall, startAnvil } from "./chain.ts";
import { CHAIN_ID, deploymentIndexer } from "./mirror.ts";

/** An offer as the test made it: the terms (for the terms hash a buyer passes) and where it lives. */
type MadeOffer = { workId: bigint; index: number; terms: LicenceTerms };

/** What the contract says of one offer when a buyer tries it: bought, or the error it reverts with. */
type Attempt = { index: number; currency: Address; price: bigint; buyable: boolean; error: string | null };

/**
 * A work and what was done to it. `expect` is what the scenario is meant to leave: the error buyLicence reverts with
 * for each offer, or null when the offer can be bought. The contract itself is the oracle; `expect` only checks that
 * the scenario did what it says.
 */
type Scenario = { key: string; workId: bigint; expect: (string | null)[] };

for (const make of [pgliteBackend, postgresBackend]) {
  const backend = make();
  describe(`search of licensable works on anvil and ${backend.name}`, function () {
    this.timeout(180_000);
    let anvil: Anvil;
    let d: Deployment;
    let db: Database;
    let token: Address;
    /** A token the ledger allowed for an offer, then disallowed (the exchange still allows it). */
    let disallowed: Address;
    /** A token the ledger disallowed after an offer, then allowed again. */
    let reallowed: Address;
    let admin: Address;
    let artisan: Address;
    let coop: Address;
    let lender: Address;
    let buyer: Address;
    let other: Address;
    let lender2: Address;
    const offers: MadeOffer[] = [];
    const scenarios: Scenario[] = [];
    let serial = 0;

    const client = () => createPublicClient({ chain: foundry, transport: http(anvil.url) });

    const send = async (
      account: Address,
      address: Address,
      abi: Abi,
      functionName: string,
      args: readonly unknown[],
      value = 0n,
    ) => {
      const wallet = createWalletClient({ chain: foundry, transport: http(anvil.url), account });
      // A fixed gas limit: anvil's estimate, made a block earlier, was seen falling short by a few hundred gas under
      // load (the call itself succeeds when simulated), and the gas is not what this test is about.
      const hash = await wallet.writeContract({ address, abi, functionName, args, value, gas: 5_000_000n } as never);
      const receipt = await client().waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") {
        // Why: the same call simulated on the state it ran on, and the gas it had.
        const why = await client()
          .simulateContract({
            address,
            abi,
            functionName,
            args,
            value,
            account,
            blockNumber: receipt.blockNumber - 1n,
          } as never)
          .then(
            () => "(it succeeds when simulated: out of gas?)",
            (error: Error) => {
              const reverted =
                error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
              if (!(reverted instanceof ContractFunctionRevertedError)) return error.message.split("\n")[0];
              return `${reverted.data?.errorName ?? reverted.reason}(${(reverted.data?.args ?? []).join(", ")})`;
            },
          );
        throw new Error(
          `${functionName} reverted in block ${receipt.blockNumber}, gas used ${receipt.gasUsed}: ${why}`,
        );
      }
    };
    const registry = (account: Address, functionName: string, args: readonly unknown[]) =>
      send(account, d.registry, provenanceRegistryAbi, functionName, args);
    const ledger = (account: Address, functionName: string, args: readonly unknown[], value = 0n) =>
      send(account, d.ledger, licenceLedgerAbi, functionName, args, value);

    const binaryCid = (label: string): Hex => `0x01551220${keccak256(toHex(label)).slice(2)}`;

    const registerWork = async (holder: Address): Promise<bigint> => {
      const contentHash = keccak256(toHex(`market work ${serial++}`));
      await registry(holder, "register", [
        {
          to: holder,
          contentHash,
          metadataCid: binaryCid(`market metadata ${serial}`),
          royaltyReceiver: zeroAddress,
          royaltyBps: 0,
          parents: [],
        },
      ]);
      return BigInt(contentHash);
    };

    const licenceTerms = (overrides: Partial<LicenceTerms> = {}): LicenceTerms =>
      licenceTermsWith(
        { textHash: keccak256(toHex(`legal text ${serial++}`)), textCid: binaryCid(`legal text cid ${serial}`) },
        overrides,
      );

    const createOffer = async (
      holder: Address,
      workId: bigint,
      price: bigint,
      overrides: Partial<LicenceTerms> = {},
    ) => {
      const index = await client().readContract({
        address: d.ledger,
        abi: licenceLedgerAbi,
        functionName: "offerCount",
        args: [workId],
      });
      const terms = licenceTerms(overrides);
      await ledger(holder, "createOffer", [workId, terms, price]);
      offers.push({ workId, index, terms });
      return index;
    };

    const buy = async (workId: bigint, index: number) => {
      const offer = offers.find((o) => o.workId === workId && o.index === index);
      if (!offer) throw new Error("unknown offer");
      const { price } = await client().readContract({
        address: d.ledger,
        abi: licenceLedgerAbi,
        functionName: "offerOf",
        args: [workId, index],
      });
      const value = offer.terms.currency === zeroAddress ? price : 0n;
      await ledger(buyer, "buyLicence", [workId, index, termsHashOf(offer.terms), price, buyer], value);
    };

    /** A block time a little ahead of both the chain's clock and the wall clock. */
    const soon = async (seconds: number) => {
      const block = await client().getBlock();
      return Math.max(Number(block.timestamp), Math.floor(Date.now() / 1000)) + seconds;
    };

    /** The contract as oracle: for each offer of the work, can `buyer` buy a licence of it right now? */
    const attempts = async (workId: bigint): Promise<Attempt[]> => {
      const c = client();
      const count = await c.readContract({
        address: d.ledger,
        abi: licenceLedgerAbi,
        functionName: "offerCount",
        args: [workId],
      });
      const result: Attempt[] = [];
      for (let index = 0; index < count; index++) {
        const offer = await c.readContract({
          address: d.ledger,
          abi: licenceLedgerAbi,
          functionName: "offerOf",
          args: [workId, index],
        });
        const currency = await c.readContract({
          address: d.ledger,
          abi: licenceLedgerAbi,
          functionName: "currencyOf",
          args: [offer.currencyId],
        });
        const made = offers.find((o) => o.workId === workId && o.index === index);
        if (!made) throw new Error(`offer ${workId}/${index} was not made by the test`);
        let error: string | null = null;
        try {
          await c.simulateContract({
            account: buyer,
            address: d.ledger,
            abi: licenceLedgerAbi,
            functionName: "buyLicence",
            args: [workId, index, termsHashOf(made.terms), offer.price, buyer],
            value: currency === zeroAddress ? offer.price : 0n,
          });
        } catch (e) {
          const revert = e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : null;
          error = revert instanceof ContractFunctionRevertedError ? (revert.data?.errorName ?? "revert") : String(e);
        }
        result.push({ index, currency: currency.toLowerCase() as Address, price: offer.price, buyable: !error, error });
      }
      return result;
    };

    let oracle: Map<string, Attempt[]>;
    const search = (s: Omit<WorkSearch, "chainId">) => searchWorks(db, { chainId: CHAIN_ID, ...s });
    /** Every hit of a search, through all its pages. */
    const searchAll = async (s: Omit<WorkSearch, "chainId">): Promise<string[]> => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await search({ ...s, limit: 5, ...(cursor ? { cursor } : {}) });
        seen.push(...page.hits.map((h) => h.workId));
        cursor = page.next ?? undefined;
      } while (cursor);
      expect(new Set(seen).size).to.equal(seen.length);
      return seen.sort();
    };
    /** The works with a buyable offer in `currency` priced within [min, max], per the contract. */
    const buyableWithin = (currency: Address, min?: bigint, max?: bigint) =>
      [...oracle.entries()]
        .filter(([, list]) =>
          list.some(
            (a) =>
              a.buyable &&
              a.currency === currency.toLowerCase() &&
              (min === undefined || a.price >= min) &&
              (max === undefined || a.price <= max),
          ),
        )
        .map(([id]) => id)
        .sort();

    before(async () => {
      anvil = await startAnvil();
      d = await deployTitlechainViem(anvil.url);
      const accounts = await createWalletClient({ chain: foundry, transport: http(anvil.url) }).getAddresses();
      [admin, artisan, coop, lender, buyer, other, lender2] = accounts as [
        Address,
        Address,
        Address,
        Address,
        Address,
        Address,
        Address,
      ];
      db = await backend.open();
      await migrate(db);

      // ERC-20s the ledger accepts, held and approved by the buyer.
      const wallet = createWalletClient({ chain: foundry, transport: http(anvil.url), account: admin });
      const deployToken = async (name: string, symbol: string) => {
        const hash = await wallet.deployContract({
          abi: testTokenAbi,
          bytecode: bytecodeOf(testTokenBytecode),
          args: [name, symbol, 18],
        });
        const receipt = await client().waitForTransactionReceipt({ hash });
        const address = (receipt.contractAddress as Address).toLowerCase() as Address;
        await ledger(admin, "allowCurrency", [address, true]);
        await send(admin, address, testTokenAbi, "mint", [buyer, 10n ** 24n]);
        await send(buyer, address, testTokenAbi, "approve", [d.ledger, 2n ** 255n]);
        return address;
      };
      token = await deployToken("Yuan Stable", "CNYS");
      disallowed = await deployToken("Old Yuan", "OCNY");
      reallowed = await deployToken("Back Yuan", "BCNY");
      // The exchange's own list allows what the ledger no longer does: only the ledger's list counts for licences.
      await send(admin, d.exchange, exchangeAbi, "allowCurrency", [disallowed, true]);
      await registry(admin, "grantRole", [keccak256(toHex("ARBITER_ROLE")), admin]);
    });

    after(async () => {
      await db?.close();
      await backend.cleanup();
      await anvil?.stop();
    });

    it("mirrors offers, sales, transfers, disputes and pledges exactly as the ledger and registry read them", async () => {
      const add = (key: string, workId: bigint, expected: (string | null)[]) =>
        scenarios.push({ key, workId, expect: expected });
      const maturity = BigInt((await soon(0)) + YEAR);

      // Time-limited ones first, so their clocks run out while the rest is set up.
      const ended = await registerWork(artisan);
      // Each deadline is taken just before the transaction that needs it in the future, with room for a slow machine.
      const endsAt = await soon(10);
      await createOffer(artisan, ended, parseEther("1"), { end: endsAt, duration: 0 });
      add("ended", ended, ["OfferEnded"]);
      const foreclosed = await registerWork(artisan);
      await createOffer(artisan, foreclosed, parseEther("1"));
      const maturesAt = await soon(10);
      await registry(artisan, "pledge", [foreclosed, lender, BigInt(maturesAt), "0x"]);
      await ledger(lender, "setPledgeeConsent", [foreclosed, true]);
      add("foreclosed", foreclosed, ["OfferVoid"]);

      const open = await registerWork(artisan);
      await createOffer(artisan, open, parseEther("1"));
      add("open", open, [null]);

      const twoPrices = await registerWork(coop);
      await createOffer(coop, twoPrices, parseEther("5"));
      await createOffer(coop, twoPrices, parseEther("0.2"), { territory: territoryOf(["CN", "FR"]) });
      add("two prices", twoPrices, [null, null]);

      const free = await registerWork(coop);
      await createOffer(coop, free, 0n);
      add("free", free, [null]);

      const closed = await registerWork(artisan);
      await createOffer(artisan, closed, parseEther("9"));
      await ledger(artisan, "closeOffer", [closed, 0]);
      add("closed", closed, ["OfferNotOpen"]);

      const closedAndOpen = await registerWork(artisan);
      await createOffer(artisan, closedAndOpen, parseEther("9"));
      await createOffer(artisan, closedAndOpen, parseEther("3"));
      await ledger(artisan, "closeOffer", [closedAndOpen, 0]);
      add("closed and open", closedAndOpen, ["OfferNotOpen", null]);

      const paused = await registerWork(artisan);
      await createOffer(artisan, paused, parseEther("2"));
      await ledger(artisan, "setOfferPaused", [paused, 0, true]);
      add("paused", paused, ["OfferNotOpen"]);

      const resumed = await registerWork(artisan);
      await createOffer(artisan, resumed, parseEther("2"));
      await ledger(artisan, "setOfferPaused", [resumed, 0, true]);
      await ledger(artisan, "setOfferPaused", [resumed, 0, false]);
      add("resumed", resumed, [null]);

      const soldOut = await registerWork(coop);
      await createOffer(coop, soldOut, parseEther("1"), { supply: 1 });
      await buy(soldOut, 0);
      add("sold out", soldOut, ["SoldOut"]);

      const exclusiveSold = await registerWork(coop);
      await createOffer(coop, exclusiveSold, parseEther("8"), { kind: LicenceKind.Exclusive, supply: 1 });
      await buy(exclusiveSold, 0);
      add("exclusive sold", exclusiveSold, ["SoldOut"]);

      const oneLeft = await registerWork(coop);
      await createOffer(coop, oneLeft, parseEther("1.5"), { supply: 2 });
      await buy(oneLeft, 0);
      add("one left", oneLeft, [null]);

      const moved = await registerWork(artisan);
      await createOffer(artisan, moved, parseEther("1"));
      await registry(artisan, "transferFrom", [artisan, other, moved]);
      add("moved", moved, ["OfferVoid"]);

      const movedBack = await registerWork(artisan);
      await createOffer(artisan, movedBack, parseEther("1"));
      await registry(artisan, "transferFrom", [artisan, other, movedBack]);
      await registry(other, "transferFrom", [other, artisan, movedBack]);
      add("moved back", movedBack, ["OfferVoid"]);

      const reoffered = await registerWork(artisan);
      await createOffer(artisan, reoffered, parseEther("1"));
      await registry(artisan, "assign", [other, reoffered, keccak256(toHex("deed")), binaryCid("deed")]);
      await createOffer(other, reoffered, parseEther("3"));
      add("moved and offered again", reoffered, ["OfferVoid", null]);

      const disputed = await registerWork(artisan);
      await createOffer(artisan, disputed, parseEther("1"));
      await registry(admin, "flagDispute", [disputed, "0x"]);
      add("disputed", disputed, ["WorkDisputed"]);

      const cleared = await registerWork(artisan);
      await createOffer(artisan, cleared, parseEther("1"));
      await registry(admin, "flagDispute", [cleared, "0x"]);
      await registry(admin, "clearDispute", [cleared, "0x"]);
      add("dispute cleared", cleared, [null]);

      const pledged = await registerWork(artisan);
      await createOffer(artisan, pledged, parseEther("1"));
      await registry(artisan, "pledge", [pledged, lender, maturity, "0x"]);
      add("pledged", pledged, ["WorkPledged"]);

      const consented = await registerWork(artisan);
      await createOffer(artisan, consented, parseEther("4"));
      await registry(artisan, "pledge", [consented, lender, maturity, "0x"]);
      await ledger(lender, "setPledgeeConsent", [consented, true]);
      add("pledged with consent", consented, [null]);

      const withdrawn = await registerWork(artisan);
      await createOffer(artisan, withdrawn, parseEther("4"));
      await registry(artisan, "pledge", [withdrawn, lender, maturity, "0x"]);
      await ledger(lender, "setPledgeeConsent", [withdrawn, true]);
      await ledger(lender, "setPledgeeConsent", [withdrawn, false]);
      add("consent withdrawn", withdrawn, ["WorkPledged"]);

      const repledged = await registerWork(artisan);
      await createOffer(artisan, repledged, parseEther("4"));
      await registry(artisan, "pledge", [repledged, lender, maturity, "0x"]);
      await ledger(lender, "setPledgeeConsent", [repledged, true]);
      await registry(lender, "releasePledge", [repledged]);
      await registry(artisan, "pledge", [repledged, lender2, maturity, "0x"]);
      add("pledged again to another", repledged, ["WorkPledged"]);

      // Consent belongs to one pledge: a new pledge to the same pledgee starts without it.
      const repledgedSame = await registerWork(artisan);
      await createOffer(artisan, repledgedSame, parseEther("4"));
      await registry(artisan, "pledge", [repledgedSame, lender, maturity, "0x"]);
      await ledger(lender, "setPledgeeConsent", [repledgedSame, true]);
      await registry(lender, "releasePledge", [repledgedSame]);
      await registry(artisan, "pledge", [repledgedSame, lender, maturity, "0x"]);
      add("pledged again to the same", repledgedSame, ["WorkPledged"]);

      const reconsented = await registerWork(artisan);
      await createOffer(artisan, reconsented, parseEther("4"));
      await registry(artisan, "pledge", [reconsented, lender, maturity, "0x"]);
      await ledger(lender, "setPledgeeConsent", [reconsented, true]);
      await registry(lender, "releasePledge", [reconsented]);
      await registry(artisan, "pledge", [reconsented, lender, maturity, "0x"]);
      await ledger(lender, "setPledgeeConsent", [reconsented, true]);
      add("pledged again to the same, who consents again", reconsented, [null]);

      const released = await registerWork(artisan);
      await createOffer(artisan, released, parseEther("1"));
      await registry(artisan, "pledge", [released, lender, maturity, "0x"]);
      await registry(lender, "releasePledge", [released]);
      add("pledge released", released, [null]);

      const repriced = await registerWork(coop);
      await createOffer(coop, repriced, parseEther("1"));
      await ledger(coop, "repriceOffer", [repriced, 0, parseEther("6")]);
      add("repriced", repriced, [null]);

      const inToken = await registerWork(coop);
      await createOffer(coop, inToken, parseEther("7"), { currency: token });
      add("priced in a token", inToken, [null]);

      // A currency disallowed after the offer was made stops its sales; allowed again, they resume.
      const inDisallowed = await registerWork(coop);
      await createOffer(coop, inDisallowed, parseEther("7"), { currency: disallowed });
      await ledger(admin, "allowCurrency", [disallowed, false]);
      add("priced in a token disallowed since", inDisallowed, ["CurrencyNotAllowed"]);
      const inReallowed = await registerWork(coop);
      await createOffer(coop, inReallowed, parseEther("7"), { currency: reallowed });
      await ledger(admin, "allowCurrency", [reallowed, false]);
      await ledger(admin, "allowCurrency", [reallowed, true]);
      add("priced in a token disallowed and allowed again", inReallowed, [null]);

      const none = await registerWork(coop);
      add("no offer", none, []);

      // The time-limited offer ends and the pledge matures; the pledgee takes the work.
      const due = Math.max(endsAt, maturesAt);
      while (Date.now() / 1000 < due + 1) await new Promise((resolve) => setTimeout(resolve, 100));
      // anvil's clock may trail the wall clock by a second: the block that ends the offer is stamped past its end.
      const latest = Number((await client().getBlock()).timestamp);
      await rpcCall(anvil.url, "evm_mine", [Math.max(latest + 1, due + 1)]);
      await registry(lender, "foreclose", [foreclosed]);
      expect(Number((await client().getBlock()).timestamp)).to.be.greaterThan(due);

      const rpc = new RpcClient({ urls: [anvil.url] });
      const indexer = deploymentIndexer(db, rpc, d);
      const head = BigInt(await rpc.request<string>("eth_blockNumber"));
      await indexer.syncTo(head);
      expect(await indexer.syncedBlock()).to.equal(head);

      // The contract's verdict on every offer is what each scenario meant to set up.
      oracle = new Map();
      for (const s of scenarios) {
        const list = await attempts(s.workId);
        oracle.set(s.workId.toString(), list);
        expect(
          list.map((a) => a.error),
          s.key,
        ).to.deep.equal(s.expect);
      }

      // The mirror's works and offers equal what the contracts read.
      const c = client();
      for (const s of scenarios) {
        const title = await c.readContract({
          address: d.registry,
          abi: provenanceRegistryAbi,
          functionName: "titleOf",
          args: [s.workId],
        });
        const [work] = await db.query<Record<string, unknown>>(
          "select owner, pledged, disputed, moves, pledges, encumbrances from works where chain_id = $1 and " +
            "work_id = $2",
          [CHAIN_ID, s.workId.toString()],
        );
        expect(work, s.key).to.deep.equal({
          owner: title.owner.toLowerCase(),
          pledged: title.pledged,
          disputed: title.disputed,
          moves: title.moves,
          pledges: title.pledges,
          encumbrances: title.encumbrances,
        });
        const rows = await db.query<Record<string, unknown>>(
          "select offer_index, status, supply, sold, end_at::text as end_at, moves, currency, price::text as price " +
            "from licence_offers where chain_id = $1 and work_id = $2 order by offer_index",
          [CHAIN_ID, s.workId.toString()],
        );
        const expected = [];
        for (const a of oracle.get(s.workId.toString()) ?? []) {
          const offer = await c.readContract({
            address: d.ledger,
            abi: licenceLedgerAbi,
            functionName: "offerOf",
            args: [s.workId, a.index],
          });
          expected.push({
            offer_index: a.index,
            status: offer.status,
            supply: offer.supply,
            sold: offer.sold,
            end_at: offer.end.toString(),
            moves: offer.moves,
            currency: a.currency,
            price: offer.price.toString(),
          });
        }
        expect(rows, s.key).to.deep.equal(expected);
      }
      expect(
        (await db.query<{ end_at: string }>("select end_at::text as end_at from licence_offers")).some(
          (r) => Number(r.end_at) === FOREVER,
        ),
      ).to.equal(true);
    });

    it("licensableNow finds exactly the works a licence can be bought of, as the contract says", async () => {
      const licensable = [...oracle.entries()]
        .filter(([, list]) => list.some((a) => a.buyable))
        .map(([id]) => id)
        .sort();
      const keysOf = (ids: string[]) =>
        ids
          .map((id) => scenarios.find((s) => s.workId.toString() === id)?.key)
          .sort((a, b) => (a ?? "").localeCompare(b ?? ""));
      expect(licensable.length).to.be.greaterThan(0);
      expect(licensable.length).to.be.lessThan(scenarios.length);
      expect(keysOf(await searchAll({ licensableNow: true }))).to.deep.equal(keysOf(licensable));
      // Without the filter every work is found.
      expect(await searchAll({})).to.deep.equal(scenarios.map((s) => s.workId.toString()).sort());
      expect(await searchAll({ licensableNow: false })).to.deep.equal(scenarios.map((s) => s.workId.toString()).sort());
      // Combined with a creator.
      for (const creator of [artisan, coop]) {
        const mine = new Set(
          (
            await db.query<{ id: string }>("select work_id::text as id from works where creator = $1", [
              creator.toLowerCase(),
            ])
          ).map((r) => r.id),
        );
        const reads = await Promise.all(
          licensable.map(async (id) => ({
            id,
            creator: (
              await client().readContract({
                address: d.registry,
                abi: provenanceRegistryAbi,
                functionName: "workOf",
                args: [BigInt(id)],
              })
            ).creator.toLowerCase(),
          })),
        );
        const expected = reads.filter((r) => r.creator === creator.toLowerCase()).map((r) => r.id);
        expect(expected.length).to.be.greaterThan(0);
        expect(expected.every((id) => mine.has(id))).to.equal(true);
        expect(await searchAll({ licensableNow: true, creator })).to.deep.equal(expected.sort());
      }
    });

    it("priceMin and priceMax filter by the price of a buyable offer in the native coin, bounds included", async () => {
      const ether = (n: string) => parseEther(n);
      const ranges: [bigint | undefined, bigint | undefined][] = [
        [ether("1"), undefined],
        [undefined, ether("0.3")],
        [ether("1"), ether("3")],
        [ether("1.5"), ether("1.5")],
        [0n, 0n],
        [ether("4"), ether("6")],
        [ether("5"), undefined],
        [ether("7"), undefined],
        [ether("9"), undefined],
        [undefined, undefined],
      ];
      for (const [min, max] of ranges) {
        const s: Omit<WorkSearch, "chainId"> = {
          ...(min !== undefined ? { priceMin: min.toString() } : {}),
          ...(max !== undefined ? { priceMax: max.toString() } : {}),
        };
        if (min === undefined && max === undefined) continue;
        const expected = buyableWithin(zeroAddress, min, max);
        expect(await searchAll(s), JSON.stringify(s)).to.deep.equal(expected);
        expect(await searchAll({ ...s, currency: zeroAddress }), JSON.stringify(s)).to.deep.equal(expected);
        expect(await searchAll({ ...s, licensableNow: true }), JSON.stringify(s)).to.deep.equal(expected);
      }
      // Ranges that find something, and ones that find nothing although a closed, sold-out or void offer matches.
      expect(buyableWithin(zeroAddress, ether("1"), ether("3")).length).to.be.greaterThan(2);
      expect(buyableWithin(zeroAddress, ether("7"), undefined)).to.deep.equal([]);
      expect(buyableWithin(zeroAddress, ether("9"), undefined)).to.deep.equal([]);
      // The token-priced offer: found in its currency only, the address in any case.
      const inToken = buyableWithin(token, 0n, undefined);
      expect(inToken).to.have.length(1);
      expect(await searchAll({ priceMin: "0", currency: token })).to.deep.equal(inToken);
      expect(
        await searchAll({ priceMax: ether("7").toString(), currency: token.toUpperCase().replace("0X", "0x") }),
      ).to.deep.equal(inToken);
      expect(await searchAll({ priceMax: (ether("7") - 1n).toString(), currency: token })).to.deep.equal([]);
      expect(await searchAll({ priceMin: "0" })).not.to.include(inToken[0]);
      // Currencies as the ledger allows them now: not one it disallowed since the offer (whatever the exchange allows),
      // and one allowed again.
      expect(buyableWithin(disallowed, 0n, undefined)).to.deep.equal([]);
      expect(await searchAll({ priceMin: "0", currency: disallowed })).to.deep.equal([]);
      const inReallowed = buyableWithin(reallowed, 0n, undefined);
      expect(inReallowed).to.have.length(1);
      expect(await searchAll({ priceMin: "0", currency: reallowed })).to.deep.equal(inReallowed);
      expect(await searchAll({ priceMin: "0", currency: `0x${"12".repeat(20)}` })).to.deep.equal([]);
    });

    const refused = async (s: Omit<WorkSearch, "chainId">, field: string) => {
      try {
        await search(s);
        expect.fail(`accepted ${JSON.stringify(s)}`);
      } catch (error) {
        expect(error, JSON.stringify(s)).to.be.instanceOf(SearchError);
        expect((error as SearchError).field, JSON.stringify(s)).to.equal(field);
      }
    };

    it("refuses bad price and currency input with the field at fault", async () => {
      await refused({ priceMin: "abc" }, "priceMin");
      await refused({ priceMin: "-1" }, "priceMin");
      await refused({ priceMin: "1.5" }, "priceMin");
      await refused({ priceMin: "1e18" }, "priceMin");
      await refused({ priceMin: "" }, "priceMin");
      await refused({ priceMin: "9".repeat(79) }, "priceMin");
      await refused({ priceMax: "abc" }, "priceMax");
      await refused({ priceMax: "0x10" }, "priceMax");
      await refused({ priceMin: "1", priceMax: " 2" }, "priceMax");
      await refused({ priceMin: "1", currency: "xyz" }, "currency");
      await refused({ priceMax: "1", currency: "0x1234" }, "currency");
      await refused({ licensableNow: true, currency: zeroAddress }, "currency");
      await refused({ licensableNow: true, currency: "xyz" }, "currency");
    });

    it("refuses a currency without a price whether or not licensableNow is set", async () => {
      await refused({ currency: zeroAddress }, "currency");
      await refused({ currency: "xyz" }, "currency");
      await refused({ licensableNow: false, currency: token }, "currency");
    });
  });
}
