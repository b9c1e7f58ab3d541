/** The indexer against a registry on anvil: every event once, checkpoints, deferred indexes and reorgs. */
import { expect } from "chai";
import { createPublicClient, createWalletClient, type Hex, http, keccak256, toHex } from "viem";
import { foundry } from "viem/chains";
import { cidFromHex } from "../../core/cid.ts";
import type { Database } from "../../server/db/database.ts";
import { deferIndexes, hasDeferredIndexes } from "../../server/db/indexes.ts";
import { migrate } from "../../server/db/migrate.ts";
import { Indexer } from "../../server/indexer/indexer.ts";
import type { RpcLog } from "../../server/indexer/logs.ts";
import { RpcClient } from "../../server/indexer/rpc.ts";
import { provenanceRegistryAbi } from "../../types/abi/index.js";
import { pgliteBackend, postgresBackend } from "../db/backends.ts";
import { type Anvil, registryWithWorks, rpcCall, startAnvil } from "./chain.ts";

/** A mixed workload on the registry: transfers, deeds, pledges, disputes, new metadata. */
async function mixedWorkload(url: string, registry: Hex, round: number): Promise<void> {
  const transport = http(url);
  const publicClient = createPublicClient({ chain: foundry, transport });
  const [a, b] = await createWalletClient({ chain: foundry, transport }).getAddresses();
  if (!a || !b) throw new Error("anvil has no accounts");
  const as = (account: Hex) => createWalletClient({ chain: foundry, transport, account });
  const send = async (account: Hex, functionName: string, args: readonly unknown[]) => {
    const hash = await as(account).writeContract({
      address: registry,
      abi: provenanceRegistryAbi,
      functionName: functionName as never,
      args: args as never,
    });
    await publicClient.waitForTransactionReceipt({ hash });
  };
  const work = (i: number) => BigInt(keccak256(toHex(`work ${i}`)));
  const arbiter = keccak256(toHex("ARBITER_ROLE"));
  if (round === 0) await send(a, "grantRole", [arbiter, a]);
  const base = round * 6;
  await send(a, "transferFrom", [a, b, work(base)]);
  await send(a, "assign", [
    b,
    work(base + 1),
    keccak256(toHex(`deed ${round}`)),
    `0x01551220${keccak256(toHex(`d${round}`)).slice(2)}`,
  ]);
  await send(b, "transferFrom", [b, a, work(base)]); // back again: two moves
  const maturity = BigInt(Math.floor(Date.now() / 1000) + 86_400 * 365);
  await send(a, "pledge", [work(base + 2), b, maturity, "0x"]);
  await send(a, "pledge", [work(base + 3), b, maturity, "0x"]);
  await send(b, "releasePledge", [work(base + 3)]);
  await send(a, "flagDispute", [work(base + 4), "0x"]);
  await send(a, "updateMetadata", [work(base + 5), `0x01551220${keccak256(toHex(`new metadata ${round}`)).slice(2)}`]);
}

/** The database's works equal what the registry itself says, field by field. */
async function expectMirrorEqualsChain(db: Database, url: string, registry: Hex, count: number): Promise<void> {
  const client = createPublicClient({ chain: foundry, transport: http(url) });
  const rows = await db.query<Record<string, unknown>>(
    "select work_id::text as work_id, owner, creator, royalty_receiver, royalty_bps, pledged, disputed, moves, " +
      "encumbrances, metadata_cid, extract(epoch from registered_at)::bigint::text as registered_at, " +
      "extract(epoch from recorded_at)::bigint::text as recorded_at from works order by work_id",
  );
  expect(rows).to.have.length(count);
  for (const row of rows) {
    const workId = BigInt(row["work_id"] as string);
    const work = await client.readContract({
      address: registry,
      abi: provenanceRegistryAbi,
      functionName: "workOf",
      args: [workId],
    });
    const title = await client.readContract({
      address: registry,
      abi: provenanceRegistryAbi,
      functionName: "titleOf",
      args: [workId],
    });
    expect(row).to.deep.equal({
      work_id: workId.toString(),
      owner: work.owner.toLowerCase(),
      creator: work.creator.toLowerCase(),
      royalty_receiver: work.royaltyReceiver.toLowerCase(),
      royalty_bps: work.royaltyBps,
      pledged: work.pledged,
      disputed: work.disputed,
      moves: title.moves,
      encumbrances: title.encumbrances,
      metadata_cid: cidFromHex(work.metadataCid),
      registered_at: work.registeredAt.toString(),
      recorded_at: work.recordedAt.toString(),
    });
  }
}

/** Sends `count` registry transactions, one block each, labelled by `tag`: new works, and a transfer of work 0. */
async function branch(url: string, registry: Hex, tag: string, count: number): Promise<void> {
  const transport = http(url);
  const publicClient = createPublicClient({ chain: foundry, transport });
  const [a, b] = await createWalletClient({ chain: foundry, transport }).getAddresses();
  if (!a || !b) throw new Error("anvil has no accounts");
  const wallet = createWalletClient({ chain: foundry, transport, account: a });
  const owner = await publicClient.readContract({
    address: registry,
    abi: provenanceRegistryAbi,
    functionName: "ownerOf",
    args: [BigInt(keccak256(toHex("work 12")))],
  });
  for (let i = 0; i < count; i++) {
    const hash =
      i === 0
        ? await createWalletClient({ chain: foundry, transport, account: owner }).writeContract({
            address: registry,
            abi: provenanceRegistryAbi,
            functionName: "transferFrom",
            args: [owner, owner.toLowerCase() === a.toLowerCase() ? b : a, BigInt(keccak256(toHex("work 12")))],
          })
        : await wallet.writeContract({
            address: registry,
            abi: provenanceRegistryAbi,
            functionName: "register",
            args: [
              {
                to: a,
                contentHash: keccak256(toHex(`${tag} ${i}`)),
                metadataCid: `0x01551220${keccak256(toHex(`${tag} metadata ${i}`)).slice(2)}`,
                royaltyReceiver: "0x0000000000000000000000000000000000000000",
                royaltyBps: 100,
                parents: [],
              },
            ],
          });
    await publicClient.waitForTransactionReceipt({ hash });
  }
}

for (const make of [pgliteBackend, postgresBackend]) {
  const backend = make();
  describe(`indexer on anvil and ${backend.name}`, function () {
    this.timeout(120_000);
    let anvil: Anvil;
    let registry: Hex;
    let db: Database;

    before(async () => {
      anvil = await startAnvil();
      registry = await registryWithWorks(anvil.url, 24, 6);
      await mixedWorkload(anvil.url, registry, 0);
      db = await backend.open();
      await migrate(db);
    });

    after(async () => {
      await db?.close();
      await backend.cleanup();
      await anvil?.stop();
    });

    const latest = async (rpc: RpcClient) => BigInt(await rpc.request<string>("eth_blockNumber"));
    const allLogs = async (rpc: RpcClient, to: bigint) =>
      rpc.request<RpcLog[]>("eth_getLogs", [
        { address: [registry], fromBlock: "0x0", toBlock: `0x${to.toString(16)}` },
      ]);

    it("mirrors every event once and the works exactly as the registry reads them", async () => {
      const rpc = new RpcClient({ urls: [anvil.url] });
      const indexer = new Indexer({ db, rpc, chainId: 31337, registry, startBlock: 0n });
      const head = await latest(rpc);
      const applied = await indexer.syncTo(head);
      const logs = await allLogs(rpc, head);
      expect(applied).to.equal(logs.length);
      const [{ count }] = (await db.query<{ count: string }>("select count(*)::text as count from chain_events")) as [
        { count: string },
      ];
      expect(Number(count)).to.equal(logs.length);
      expect(await indexer.syncedBlock()).to.equal(head);
      await expectMirrorEqualsChain(db, anvil.url, registry, 24);
      // The metadata a work was registered with stays on record after a metadata change (work 5 had one).
      const registered = await db.query<{ work_id: string; registered_metadata_cid: string; metadata_cid: string }>(
        "select work_id::text as work_id, registered_metadata_cid, metadata_cid from works",
      );
      for (let i = 0; i < 24; i++) {
        const row = registered.find((r) => r.work_id === BigInt(keccak256(toHex(`work ${i}`))).toString());
        expect(row?.registered_metadata_cid, `work ${i}`).to.equal(
          cidFromHex(`0x01551220${keccak256(toHex(`metadata ${i}`)).slice(2)}`),
        );
        if (i === 5) expect(row?.metadata_cid).to.not.equal(row?.registered_metadata_cid);
      }
      const deeds = await db.query<{ deed_hash: string | null }>(
        "select deed_hash from title_transfers where deed_hash is not null",
      );
      expect(deeds.map((d) => d.deed_hash)).to.deep.equal([keccak256(toHex("deed 0"))]);
      const untimed = await db.query(
        "select name from chain_event_log where \"timestamp\" is null and name <> 'RoleGranted'",
      );
      expect(untimed).to.deep.equal([]);
    });

    it("resumes from its checkpoint after a restart with nothing lost and nothing applied twice", async () => {
      await mixedWorkload(anvil.url, registry, 1);
      const rpc = new RpcClient({ urls: [anvil.url] });
      const restarted = new Indexer({ db, rpc, chainId: 31337, registry, startBlock: 0n });
      const head = await latest(rpc);
      const before = await restarted.syncedBlock();
      expect(before).to.be.lessThan(head);
      await restarted.syncTo(head);
      expect(await restarted.syncTo(head)).to.equal(0);
      const logs = await allLogs(rpc, head);
      const keys = await db.query<{ k: string }>(
        "select block_number::text || ':' || log_index::text as k from chain_events order by block_number, log_index",
      );
      expect(keys.map((r) => r.k)).to.deep.equal(logs.map((l) => `${BigInt(l.blockNumber)}:${BigInt(l.logIndex)}`));
      await expectMirrorEqualsChain(db, anvil.url, registry, 24);
    });

    it("builds indexes a backfill left deferred even when there is nothing left to sync", async () => {
      // As after a run killed between committing its last page and building the indexes.
      const indexes = () =>
        db.query<{ indexname: string }>(
          "select indexname from pg_indexes where schemaname = current_schema() order by indexname",
        );
      const all = await indexes();
      const rpc = new RpcClient({ urls: [anvil.url] });
      const head = await latest(rpc);
      const synced = new Indexer({ db, rpc, chainId: 31337, registry, startBlock: 0n });
      expect(await synced.syncTo(head)).to.equal(0);
      await db.transaction((tx) => deferIndexes(tx, ["works", "chain_transactions"]));
      expect((await indexes()).length).to.be.lessThan(all.length);
      const restarted = new Indexer({ db, rpc, chainId: 31337, registry, startBlock: 0n });
      expect(await restarted.syncTo(head)).to.equal(0);
      expect(await indexes()).to.deep.equal(all);
      expect(await hasDeferredIndexes(db)).to.equal(false);
    });

    for (const depth of [1, 7, 64]) {
      it(`follows a reorg ${depth} block(s) deep: no orphaned row, the mirror equals the new chain`, async () => {
        const rpc = new RpcClient({ urls: [anvil.url] });
        const indexer = new Indexer({ db, rpc, chainId: 31337, registry, startBlock: 0n, finalityDepth: 128 });
        await indexer.syncTo(await latest(rpc));
        const snapshot = await rpcCall<string>(anvil.url, "evm_snapshot");
        await branch(anvil.url, registry, `orphan ${depth}`, depth);
        await indexer.syncTo(await latest(rpc));
        const orphans = await db.query("select 1 from chain_events");
        await rpcCall(anvil.url, "evm_revert", [snapshot]);
        await branch(anvil.url, registry, `canonical ${depth}`, depth + 1);
        const head = await latest(rpc);
        await indexer.syncTo(head);

        const logs = await allLogs(rpc, head);
        const rows = await db.query<{ k: string }>(
          "select block_number::text || ':' || log_index::text || ':' || block_hash as k from chain_event_log " +
            "order by block_number, log_index",
        );
        expect(rows.map((r) => r.k)).to.deep.equal(
          logs.map((l) => `${BigInt(l.blockNumber)}:${BigInt(l.logIndex)}:${l.blockHash}`),
        );
        expect(orphans.length).to.be.greaterThan(0);
        const works = await db.query<{ count: string }>("select count(*)::text as count from works");
        await expectMirrorEqualsChain(db, anvil.url, registry, Number(works[0]?.count));
        const orphaned = await db.query("select 1 from works where content_hash = $1", [
          keccak256(toHex(`orphan ${depth} 1`)),
        ]);
        expect(orphaned).to.deep.equal([]);
      });
    }

    it("refuses to follow a reorg below its recorded pages", async () => {
      const rpc = new RpcClient({ urls: [anvil.url] });
      const indexer = new Indexer({ db, rpc, chainId: 31337, registry, startBlock: 0n, finalityDepth: 2 });
      await indexer.syncTo(await latest(rpc));
      const snapshot = await rpcCall<string>(anvil.url, "evm_snapshot");
      // One page per block: the anchor rises above the fork point as the pages become final.
      for (let i = 0; i < 6; i++) {
        await branch(anvil.url, registry, `deep orphan ${i}`, 1);
        await indexer.syncTo(await latest(rpc));
      }
      await rpcCall(anvil.url, "evm_revert", [snapshot]);
      await branch(anvil.url, registry, "deep canonical", 7);
      try {
        await indexer.syncTo(await latest(rpc));
        expect.fail("a reorg below the recorded pages was followed");
      } catch (error) {
        expect((error as Error).message).to.match(/^reorg deeper than the \d+ recorded pages \(finality depth 2\)/);
      }
    });

    it("refuses a reorg into blocks that became final since its last pages, rather than roll back over them", async () => {
      // A second mirror of the same chain under another chain id, so the state the test above left does not matter.
      const rpc = new RpcClient({ urls: [anvil.url] });
      const indexer = new Indexer({ db, rpc, chainId: 7, registry, startBlock: 0n, finalityDepth: 2 });
      await indexer.syncTo(await latest(rpc));
      const snapshot = await rpcCall<string>(anvil.url, "evm_snapshot");
      // One sync over eight new blocks: six of them final at once (no pages recorded), then the unfinal tail.
      await branch(anvil.url, registry, "long orphan", 8);
      await indexer.syncTo(await latest(rpc));
      await rpcCall(anvil.url, "evm_revert", [snapshot]);
      await branch(anvil.url, registry, "long canonical", 9);
      try {
        await indexer.syncTo(await latest(rpc));
        expect.fail("a reorg into final blocks was followed");
      } catch (error) {
        expect((error as Error).message).to.match(/^reorg deeper than the \d+ recorded pages \(finality depth 2\)/);
      }
    });
  });
}
