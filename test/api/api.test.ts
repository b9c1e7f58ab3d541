// The API on a real chain, content store and indexer (PGlite and PostgreSQL): documents, search, detail, chain of title,
// verification, uploads and the gateway, and the refusals of bad input.
import { createHash, randomBytes } from "node:crypto";
import { Validator } from "@seriousme/openapi-schema-validator";
import { expect } from "chai";
import { type Hex, keccak256, type Log, toHex, zeroAddress as ZERO_ADDRESS } from "viem";
import { titlechainClient } from "../../client/index.ts";
import { cidToHex } from "../../core/cid.ts";
import { ALL_FIELDS, LicenceKind, Use, type UseName, usesOf } from "../../core/licence.ts";
import { KINDS } from "../../server/api/queries/chain-of-title.ts";
import { UploadCollector } from "../../server/content/collector.ts";
import { crop, encodeJpeg, encodePng, generateDesign } from "../content/images.ts";
import { pgliteBackend, postgresBackend } from "../db/backends.ts";
import { rpcCall } from "../indexer/chain.ts";
import { logWorks } from "../indexer/market-check.ts";
import { royaltyAndPriorityScenario } from "../indexer/market-scenario.ts";
import { CHAIN_ID } from "../indexer/mirror.ts";
import { type ApiFixture, apiFixture } from "./fixture.ts";

const sha256 = (bytes: Uint8Array) => `0x${createHash("sha256").update(bytes).digest("hex")}`;

for (const make of [pgliteBackend, postgresBackend]) {
  const backend = make();
  describe(`the API on anvil and ${backend.name}`, function () {
    this.timeout(240_000);
    let f: ApiFixture;
    let artisan: Hex;
    let buyer: Hex;
    let lender: Hex;
    let design: Uint8Array;
    let work: bigint;
    let fileCid: string;

    before(async () => {
      f = await apiFixture(backend, { maxUploadBytes: 4 * 1024 * 1024 });
      [, artisan, buyer, lender] = f.accounts as [Hex, Hex, Hex, Hex];
      design = encodePng(generateDesign(7)).bytes;
      work = await f.register(
        artisan,
        design,
        {
          name: "羌绣·云纹 Qiang embroidery: cloud pattern",
          description: "A cloud-scroll border in cross-stitch from Maoxian.",
          i18n: { zh: { name: "羌绣·云纹" }, en: { name: "Qiang embroidery: cloud pattern" } },
          genre: "Qiang embroidery",
          locationCreated: { addressRegion: "Sichuan", addressCountry: "CN" },
        },
        "image/png",
      );
      fileCid = (
        (await f.app.inject({ method: "POST", url: "/api/files", payload: Buffer.from(design) })).json() as {
          cid: string;
        }
      ).cid;
    });

    after(async () => {
      await f?.close();
    });

    const get = (url: string, headers: Record<string, string> = {}) => f.app.inject({ method: "GET", url, headers });

    it("publishes a valid OpenAPI 3.1 document of every route, and its documentation page", async () => {
      const res = await get("/api/openapi.json");
      expect(res.statusCode).to.equal(200);
      const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
      const validator = new Validator();
      const result = await validator.validate(doc);
      expect(result.errors ?? [], JSON.stringify(result.errors)).to.deep.equal([]);
      expect(result.valid).to.equal(true);
      expect(doc.openapi).to.equal("3.1.0");
      expect(Object.keys(doc.paths).sort()).to.include.members([
        "/health",
        "/ready",
        "/api/deployment",
        "/api/works",
        "/api/works/{workId}",
        "/api/works/{workId}/title",
        "/api/verify",
        "/api/verify/{sha256}",
        "/api/files",
        "/api/metadata",
        "/api/metadata/{cid}",
        "/ipfs/{cid}",
      ]);
      // The server's address opens the web front end (built by `npm run build`).
      const home = await get("/");
      expect(home.statusCode).to.equal(200);
      expect(home.headers["content-type"]).to.match(/text\/html/);
      const page = await get("/api/docs/");
      expect(page.statusCode).to.equal(200);
      expect(page.headers["content-type"]).to.match(/text\/html/);
    });

    it("is not ready until the indexer has synced, and says why", async () => {
      expect((await get("/health")).json()).to.deep.equal({ ok: true });
      const before = await get("/ready");
      expect(before.statusCode).to.equal(503);
      expect((before.json() as { reasons: string[] }).reasons.join(" ")).to.match(/not synced/);
      await f.sync();
      const after = await get("/ready");
      expect(after.statusCode, after.body).to.equal(200);
      expect(after.json()).to.include({ ready: true, chainId: 31337 });
      expect((await get("/api/deployment")).json()).to.deep.equal({
        chainId: 31337,
        registry: f.d.registry,
        ledger: f.d.ledger,
        exchange: f.d.exchange,
      });
    });

    it("answers the typed client generated from its OpenAPI document, over HTTP", async () => {
      await f.sync();
      const address = await f.app.listen({ host: "127.0.0.1", port: 0 });
      const api = titlechainClient(address);
      const { data, error } = await api.GET("/api/works/{workId}", { params: { path: { workId: work.toString() } } });
      expect(error).to.equal(undefined);
      expect(data?.metadata.nameEn).to.equal("Qiang embroidery: cloud pattern");
      const search = await api.GET("/api/works", { params: { query: { q: "羌绣", limit: 5 } } });
      expect(search.data?.works.map((w) => w.workId)).to.deep.equal([work.toString()]);
      const missing = await api.GET("/api/verify/{sha256}", { params: { path: { sha256: `0x${"0".repeat(64)}` } } });
      expect(missing.data?.registered).to.equal(false);
      const refused = await api.GET("/api/works", { params: { query: { limit: 0 } } });
      expect(refused.response.status).to.equal(400);
      expect(refused.error).to.include({ code: "InvalidField", field: "querystring.limit" });
    });

    it("finds the registered work in Chinese and English, with filters, and shows its detail", async () => {
      await f.sync();
      for (const q of ["羌绣", "embroidery", "云纹"]) {
        const res = await get(`/api/works?q=${encodeURIComponent(q)}`);
        expect(res.statusCode, res.body).to.equal(200);
        expect((res.json() as { works: { workId: string }[] }).works.map((w) => w.workId)).to.deep.equal([
          work.toString(),
        ]);
      }
      const filtered = await get(
        `/api/works?technique=qiang%20embroidery&region=sichuan&creator=${artisan}&sort=oldest`,
      );
      expect((filtered.json() as { works: unknown[] }).works).to.have.length(1);
      const none = await get("/api/works?q=embroidery&hasDerivatives=true");
      expect((none.json() as { works: unknown[] }).works).to.have.length(0);

      const hex = `0x${work.toString(16).padStart(64, "0")}`;
      for (const id of [work.toString(), hex]) {
        const res = await get(`/api/works/${id}`);
        expect(res.statusCode, res.body).to.equal(200);
        const detail = res.json() as Record<string, unknown> & { metadata: Record<string, unknown> };
        expect(detail).to.include({ workId: work.toString(), contentHash: hex, owner: artisan.toLowerCase() });
        expect(detail.metadata).to.include({ status: "ok", nameZh: "羌绣·云纹", technique: "Qiang embroidery" });
        // The file as the metadata names it, so a page can ask for it without reading the metadata first.
        const metadata = (await get(`/api/metadata/${detail.metadata["cid"]}`)).json() as { content: object };
        expect(detail["content"]).to.deep.equal({
          cid: (metadata.content as { cid: string }).cid,
          mediaType: (metadata.content as { mediaType: string }).mediaType,
        });
        expect(detail["pledge"]).to.equal(null);
        expect(detail["offers"]).to.deep.equal([]);
      }
    });

    it("flags registered near-duplicate images in a work's detail and when verifying an upload", async () => {
      const design = generateDesign(7);
      const copy = await f.register(buyer, encodeJpeg(design, 80).bytes, { name: "A re-encoded copy" }, "image/jpeg");
      const other = await f.register(
        buyer,
        encodePng(generateDesign(99)).bytes,
        { name: "Another design" },
        "image/png",
      );
      await f.sync();
      const detail = (await get(`/api/works/${work}`)).json() as {
        nearDuplicates: { workId: string; distance: number }[];
      };
      expect(detail.nearDuplicates.map((d) => d.workId)).to.deep.equal([copy.toString()]);
      expect(detail.nearDuplicates[0]?.distance).to.be.at.most(10);
      // Both ways round: the copy's detail names the original, at the same distance.
      const copyDetail = (await get(`/api/works/${copy}`)).json() as typeof detail;
      expect(copyDetail.nearDuplicates).to.deep.equal([
        { workId: work.toString(), distance: detail.nearDuplicates[0]?.distance },
      ]);
      const cropped = encodeJpeg(crop(design, { left: 0.03, top: 0.03 }), 85).bytes;
      const verified = (
        await f.app.inject({ method: "POST", url: "/api/verify", payload: Buffer.from(cropped) })
      ).json() as { registered: boolean; nearDuplicates: { workId: string }[] };
      expect(verified.registered).to.equal(false);
      expect(verified.nearDuplicates.map((d) => d.workId).sort()).to.deep.equal(
        [copy.toString(), work.toString()].sort(),
      );
      expect(verified.nearDuplicates.map((d) => d.workId)).not.to.include(other.toString());
      const text = (await f.app.inject({ method: "POST", url: "/api/verify", payload: "not an image" })).json() as {
        nearDuplicates: unknown[];
      };
      expect(text.nearDuplicates).to.deep.equal([]);
    });

    it("verifies a file by upload and by hash, and says plainly when a file is not registered", async () => {
      const byUpload = await f.app.inject({ method: "POST", url: "/api/verify", payload: Buffer.from(design) });
      expect(byUpload.statusCode, byUpload.body).to.equal(200);
      expect(byUpload.json()).to.deep.include({ sha256: sha256(design), size: design.length, registered: true });
      const byHash = await get(`/api/verify/${sha256(design)}`);
      expect((byHash.json() as { work: { workId: string } }).work.workId).to.equal(work.toString());
      const stranger = randomBytes(1000);
      const unknown = (await f.app.inject({ method: "POST", url: "/api/verify", payload: stranger })).json() as {
        registered: boolean;
        message: string;
        work: unknown;
      };
      expect(unknown).to.deep.include({ registered: false, work: null });
      expect(unknown.message).to.match(/no work with sha256 0x[0-9a-f]{64} is registered/);
    });

    it("serves stored files with their ETag, byte ranges and a type that never renders user HTML", async () => {
      const whole = await get(`/ipfs/${fileCid}`);
      expect(whole.statusCode).to.equal(200);
      expect(whole.rawPayload.equals(Buffer.from(design))).to.equal(true);
      expect(whole.headers).to.include({
        "content-type": "image/png",
        etag: `"${fileCid}"`,
        "x-content-type-options": "nosniff",
        "accept-ranges": "bytes",
      });
      const range = await get(`/ipfs/${fileCid}`, { range: "bytes=8-23" });
      expect(range.statusCode).to.equal(206);
      expect(range.headers["content-range"]).to.equal(`bytes 8-23/${design.length}`);
      expect(range.rawPayload.equals(Buffer.from(design.subarray(8, 24)))).to.equal(true);
      const suffix = await get(`/ipfs/${fileCid}`, { range: "bytes=-10" });
      expect(suffix.rawPayload.equals(Buffer.from(design.subarray(design.length - 10)))).to.equal(true);
      expect((await get(`/ipfs/${fileCid}`, { "if-none-match": `"${fileCid}"` })).statusCode).to.equal(304);
      const outside = await get(`/ipfs/${fileCid}`, { range: `bytes=${design.length}-` });
      expect(outside.statusCode).to.equal(416);
      expect(outside.headers["content-range"]).to.equal(`bytes */${design.length}`);

      const html = Buffer.from("<html><script>alert(1)</script></html>");
      const up = await f.app.inject({
        method: "POST",
        url: "/api/files",
        headers: { "content-type": "text/html" },
        payload: html,
      });
      const { cid } = up.json() as { cid: string };
      const served = await get(`/ipfs/${cid}`);
      expect(served.headers["content-type"]).to.equal("application/octet-stream");
      expect(served.headers["content-disposition"]).to.equal(`attachment; filename="${cid}"`);
      expect(served.headers["content-security-policy"]).to.equal("default-src 'none'; sandbox");
    });

    it("keeps the files and metadata of registered works through garbage collection, and collects the rest", async () => {
      await f.sync();
      const detail = (await get(`/api/works/${work}`)).json() as { metadata: { cid: string } };
      expect(f.store.pinned(fileCid), "the work's file").to.equal(true);
      expect(f.store.pinned(detail.metadata.cid), "its metadata").to.equal(true);
      const stray = (
        await f.app.inject({ method: "POST", url: "/api/files", payload: Buffer.from("never registered") })
      ).json() as { cid: string };
      const removed = await f.store.collectGarbage(0);
      expect(removed).to.include(stray.cid);
      expect(removed).not.to.include(fileCid);
      expect((await get(`/ipfs/${fileCid}`)).statusCode).to.equal(200);
      expect((await get(`/ipfs/${stray.cid}`)).statusCode).to.equal(404);
    });

    it("collects stray uploads on its schedule, never a file whose registration is not fetched yet", async () => {
      const collector = new UploadCollector({ store: f.store, db: f.db, chainId: CHAIN_ID, graceMs: 0 });
      const bytes = randomBytes(3000);
      // Registered on chain, but the indexer and the metadata fetcher have not caught up: the round is skipped.
      const fresh = await f.register(buyer, bytes, { name: "Registered a moment ago" });
      const freshCid = (
        (await f.app.inject({ method: "POST", url: "/api/files", payload: bytes })).json() as {
          cid: string;
        }
      ).cid;
      const stray = (
        await f.app.inject({ method: "POST", url: "/api/files", payload: Buffer.from("a stray upload") })
      ).json() as { cid: string };
      // The indexer (following heads) mirrors the work; its metadata waits for the fetcher, which has not run.
      for (
        let i = 0;
        (await f.db.query("select 1 from works where work_id = $1", [fresh.toString()])).length === 0;
        i++
      ) {
        if (i > 200) throw new Error("the indexer did not mirror the registration");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const skipped = await collector.runOnce();
      expect(skipped.removed).to.deep.equal([]);
      expect(skipped.skipped).to.match(/not fetched/);
      await f.sync();
      const round = await collector.runOnce();
      expect(round.skipped).to.equal(null);
      expect(round.removed).to.include(stray.cid);
      expect(round.removed).not.to.include(freshCid);
      expect((await get(`/ipfs/${freshCid}`)).statusCode).to.equal(200);
      expect((await get(`/api/works/${fresh}`)).statusCode).to.equal(200);
    });

    it("returns the upload's hash, CID, media type and perceptual hash", async () => {
      const res = await f.app.inject({ method: "POST", url: "/api/files", payload: Buffer.from(design) });
      const body = res.json() as Record<string, unknown>;
      expect(body).to.include({ sha256: sha256(design), cid: fileCid, size: design.length, mediaType: "image/png" });
      expect(body["perceptualHash"]).to.match(/^[0-9a-f]{16}$/);
      const other = (
        await f.app.inject({ method: "POST", url: "/api/files", payload: Buffer.from("plain text") })
      ).json() as Record<string, unknown>;
      expect(other["perceptualHash"]).to.equal(null);
    });

    it("gives the chain of title oldest first, every entry the chain's own log concerning the work", async () => {
      // Title events on the test's work: an assignment with its deed, a pledge released, a dispute flagged and cleared.
      const deedHash = keccak256(toHex("deed"));
      const deedCid = cidToHex("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4");
      await f.registry(artisan, "assign", [buyer, work, deedHash, deedCid]);
      await f.registry(buyer, "pledge", [work, lender, BigInt(Math.floor(Date.now() / 1000) + 86_400 * 365), "0x"]);
      await f.registry(lender, "releasePledge", [work]);
      const scenario = await royaltyAndPriorityScenario(f.anvil.url, f.d, "api");
      await f.sync();

      const logs = await rpcCall<Log[]>(f.anvil.url, "eth_getLogs", [
        { address: [f.d.registry, f.d.ledger, f.d.exchange], fromBlock: "0x0", toBlock: "latest" },
      ]);
      const workOf = logWorks(logs, f.d);
      const names = await import("viem").then(({ parseEventLogs }) => parseEventLogs);
      const { exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi } = await import("../../types/abi/index.js");
      const nameOf = (l: Log) =>
        names({ abi: [...provenanceRegistryAbi, ...licenceLedgerAbi, ...exchangeAbi], logs: [l], strict: false })[0]
          ?.eventName as string | undefined;

      let amounts = 0;
      let displaced = 0;
      for (const id of [work, scenario.parent, scenario.derivative, scenario.grandchild, ...scenario.claimed]) {
        const entries: { event: string; proof: Record<string, unknown>; details: Record<string, unknown> }[] = [];
        let after: string | null = null;
        do {
          const res = await get(`/api/works/${id}/title${after ? `?after=${after}` : ""}`);
          expect(res.statusCode, res.body).to.equal(200);
          const page = res.json() as { entries: typeof entries; next: string | null };
          entries.push(...page.entries);
          after = page.next;
        } while (after);
        const expected = logs.filter((l) => workOf(l) === id.toString() && (nameOf(l) ?? "") in KINDS);
        expect(
          entries.map((e) => `${e.event}@${e.proof["blockHash"]}:${e.proof["logIndex"]}:${e.proof["transactionHash"]}`),
          `title of ${id}`,
        ).to.deep.equal(expected.map((l) => `${nameOf(l)}@${l.blockHash}:${Number(l.logIndex)}:${l.transactionHash}`));
        for (const [i, e] of entries.entries()) {
          expect(e.proof["contract"]).to.be.oneOf([f.d.registry, f.d.ledger, f.d.exchange].map((a) => a.toLowerCase()));
          expect(e.proof["chainId"]).to.equal(31337);
          // Sales and licence purchases carry their amounts as the log does, whichever table keeps them.
          if (e.event === "LicencePurchased" || e.event === "WorkSold") {
            const args = names({ abi: [...licenceLedgerAbi, ...exchangeAbi], logs: [expected[i] as Log] })[0]
              ?.args as unknown as Record<string, unknown>;
            for (const field of ["price", "fee", "royalty"]) {
              expect(e.details[field], `${e.event} ${field} of ${id}`).to.equal(String(args[field]));
            }
            amounts++;
          }
          // Each registration's record is its log's, a registration displaced by a priority claim's too.
          if (e.event === "WorkRegistered") {
            const args = names({ abi: provenanceRegistryAbi, logs: [expected[i] as Log] })[0]
              ?.args as unknown as Record<string, unknown>;
            expect(e.details, `registration ${i} of ${id}`).to.include({
              creator: String(args["creator"]).toLowerCase(),
              royaltyReceiver: String(args["royaltyReceiver"]).toLowerCase(),
              royaltyBps: Number(args["royaltyBps"]),
              registeredAt: new Date(Number(args["registeredAt"]) * 1000).toISOString(),
            });
            if (scenario.claimed.includes(id)) displaced++;
          }
        }
        const registration = entries.find((e) => e.event === "WorkRegistered");
        expect(
          registration?.proof["transactionHash"],
          `the title of ${id} starts with the transaction that registered it`,
        ).to.equal(entries[0]?.proof["transactionHash"]);
      }
      expect(amounts, "sales and licence purchases in the titles").to.be.greaterThan(0);
      // Every claimed work's title starts with the registration its claim displaced, checked above.
      expect(displaced, "displaced registrations in the titles").to.equal(scenario.claimed.length);
      const ours = (await get(`/api/works/${work}/title`)).json() as {
        entries: { event: string; details: Record<string, unknown> }[];
      };
      expect(ours.entries.map((e) => e.event)).to.deep.equal([
        "WorkRegistered",
        "TitleTransferred",
        "AssignmentRecorded",
        "WorkPledged",
        "PledgeReleased",
      ]);
      expect(ours.entries[0]?.details).to.include({ creator: artisan.toLowerCase(), royaltyBps: 500 });
      expect(ours.entries[1]?.details).to.deep.include({
        from: artisan.toLowerCase(),
        to: buyer.toLowerCase(),
        deed: { hash: deedHash, cid: deedCid },
      });
    });

    it("shows a work's licence offers in words, its listing and its lineage as the chain has them", async () => {
      const { exchangeAbi, licenceLedgerAbi } = await import("../../types/abi/index.js");
      const { createWalletClient, http } = await import("viem");
      const { foundry } = await import("viem/chains");
      const wallet = createWalletClient({ chain: foundry, transport: http(f.anvil.url), account: buyer });
      const send = async (address: Hex, abi: unknown, functionName: string, args: unknown[]) => {
        const hash = await wallet.writeContract({ address, abi, functionName, args } as never);
        expect((await f.pub.waitForTransactionReceipt({ hash })).status, functionName).to.equal("success");
      };
      const end = Math.floor(Date.now() / 1000) + 400 * 86_400;
      const terms = {
        kind: LicenceKind.Sole,
        uses: usesOf(["reproduce", "distribute"]),
        fields: ALL_FIELDS,
        transferable: true,
        worldwide: true,
        territory: [0n, 0n, 0n],
        start: 0,
        end,
        duration: 0,
        supply: 1,
        derivativeRoyaltyBps: 0,
        currency: ZERO_ADDRESS,
        textHash: keccak256(toHex("licence text")),
        textCid: cidToHex("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"),
      };
      await send(f.d.ledger, licenceLedgerAbi, "createOffer", [work, terms, 7_000_000_000n]);
      await send(f.d.exchange, exchangeAbi, "listWork", [work, ZERO_ADDRESS, 9_000_000_000n, 0]);
      await f.sync();

      const detail = (await get(`/api/works/${work}`)).json() as {
        owner: string;
        offers: Record<string, unknown>[];
        listing: Record<string, unknown> | null;
        pledge: unknown;
      };
      expect(detail.owner).to.equal(buyer.toLowerCase());
      expect(detail.pledge, "the pledge was released").to.equal(null);
      const count = Number(
        await f.pub.readContract({
          address: f.d.ledger,
          abi: licenceLedgerAbi,
          functionName: "offerCount",
          args: [work],
        }),
      );
      expect(detail.offers.map((o) => o["offerIndex"])).to.deep.equal([...Array(count).keys()]);
      const ours = detail.offers.at(-1) as Record<string, unknown>;
      expect(ours).to.deep.include({
        licensor: buyer.toLowerCase(),
        state: "open",
        kind: "sole",
        uses: ["reproduce", "distribute"],
        territory: null,
        end: new Date(end * 1000).toISOString(),
        supply: 1,
        sold: 0,
        transferable: true,
        price: "7000000000",
        legalText: { sha256: terms.textHash, cid: "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4" },
      });
      const words = ours["words"] as { en: string; zh: string };
      expect(words.en).to.match(/sole/i);
      expect(words.zh).to.match(/独占|排他/);
      const listing = await f.pub.readContract({
        address: f.d.exchange,
        abi: exchangeAbi,
        functionName: "listingOf",
        args: [work],
      });
      expect(detail.listing).to.deep.equal({
        seller: buyer.toLowerCase(),
        currency: ZERO_ADDRESS,
        price: listing.price.toString(),
        expiry: null,
      });

      // Lineage: every registered work's parents name it among their derivatives, and the reverse.
      const { works } = (await get("/api/works?limit=100")).json() as { works: { workId: string }[] };
      const details = new Map<string, { parents: string[]; derivatives: string[] }>();
      for (const w of works) details.set(w.workId, (await get(`/api/works/${w.workId}`)).json() as never);
      let links = 0;
      for (const [id, d] of details) {
        for (const parent of d.parents) {
          expect(details.get(parent)?.derivatives, `derivatives of ${parent}`).to.include(id);
          links++;
        }
        for (const child of d.derivatives) expect(details.get(child)?.parents, `parents of ${child}`).to.include(id);
      }
      expect(links, "parent links among the registered works").to.be.greaterThan(1);
    });

    it("lists licence sales and transfers in the audit trail, as JSON pages and as a CSV export", async () => {
      const logs = await rpcCall<Log[]>(f.anvil.url, "eth_getLogs", [
        { address: [f.d.ledger], fromBlock: "0x0", toBlock: "latest" },
      ]);
      const { licenceLedgerAbi } = await import("../../types/abi/index.js");
      const { parseEventLogs } = await import("viem");
      const purchases = parseEventLogs({ abi: licenceLedgerAbi, logs, eventName: "LicencePurchased" });
      expect(purchases.length).to.be.greaterThan(0);

      const pages: { proof: { transactionHash: string }; kind: string }[] = [];
      let after: string | null = null;
      do {
        const res = await get(`/api/audit?kinds=licencePurchased&limit=2${after ? `&after=${after}` : ""}`);
        expect(res.statusCode, res.body).to.equal(200);
        const page = res.json() as { entries: typeof pages; next: string | null };
        pages.push(...page.entries);
        after = page.next;
      } while (after);
      expect(pages.map((e) => e.proof.transactionHash)).to.deep.equal(purchases.map((l) => l.transactionHash));
      expect(new Set(pages.map((e) => e.kind))).to.deep.equal(new Set(["licencePurchased"]));

      const csv = await get("/api/audit.csv?kinds=licencePurchased");
      expect(csv.statusCode).to.equal(200);
      expect(csv.headers["content-type"]).to.equal("text/csv; charset=utf-8");
      expect(csv.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), "BOM").to.equal(true);
      const lines = csv.body
        .replace(/^\uFEFF/, "")
        .split("\r\n")
        .filter(Boolean);
      expect(lines[0]).to.equal(
        "time,kind,event,work_id,details,chain_id,contract,transaction_hash,block_number,block_hash,log_index",
      );
      expect(lines.slice(1).map((l) => l.split(",").at(-4))).to.deep.equal(purchases.map((l) => l.transactionHash));

      // The test's work: registered, assigned (with its deed) to the buyer, pledged by the buyer to the lender.
      const mine = (await get(`/api/audit?work=${work}&account=${lender}`)).json() as { entries: { event: string }[] };
      expect(mine.entries.map((e) => e.event)).to.deep.equal(["WorkPledged", "PledgeReleased"]);
      const transfers = (await get(`/api/audit?kinds=transfer&account=${buyer}&work=${work}`)).json() as {
        entries: { details: Record<string, unknown> }[];
      };
      expect(transfers.entries.map((e) => e.details["to"])).to.deep.equal([buyer.toLowerCase()]);
      const unknown = await get("/api/audit?kinds=transfer,teleport");
      expect(unknown.statusCode).to.equal(400);
      expect((unknown.json() as { field: string }).field).to.equal("querystring.kinds");
    });

    it("answers whether an account may use a work as the ledger's permits() does, naming the grant", async () => {
      const { licenceLedgerAbi } = await import("../../types/abi/index.js");
      const permitsOnChain = (args: readonly unknown[]) =>
        f.pub.readContract({ address: f.d.ledger, abi: licenceLedgerAbi, functionName: "permits", args } as never);
      const workIds = (
        (await get("/api/audit?kinds=licencePurchased,sublicenceIssued")).json() as { entries: { workId: string }[] }
      ).entries.map((e) => e.workId);
      let checked = 0;
      for (const id of new Set(workIds)) {
        const detail = (await get(`/api/works/${id}`)).json() as { offers: { offerIndex: number; uses: string[] }[] };
        const { grants } = (await get(`/api/works/${id}/grants`)).json() as {
          grants: { holder: string; offerIndex: number; grantId: string }[];
        };
        expect(grants.length, `grants of ${id}`).to.be.greaterThan(0);
        // The chain's time, not the wall clock: the scenario moved anvil's clock days ahead.
        const at = (await f.pub.getBlock({ blockTag: "latest" })).timestamp;
        for (const g of grants) {
          const uses = detail.offers.find((o) => o.offerIndex === g.offerIndex)?.uses ?? ["reproduce"];
          const iso = new Date(Number(at) * 1000).toISOString();
          const res = await get(`/api/permits?account=${g.holder}&work=${id}&uses=${uses.join(",")}&at=${iso}`);
          expect(res.statusCode, res.body).to.equal(200);
          const answer = res.json() as { permitted: boolean; check: { args: unknown[] } | null };
          if (answer.permitted) {
            const args = answer.check?.args as [{ workId: string; offerIndex: number; serial: number }, ...unknown[]];
            const named = { workId: BigInt(args[0].workId), offerIndex: args[0].offerIndex, serial: args[0].serial };
            const rest = args.slice(1).map((a, i) => (i === 3 ? BigInt(a as number) : a));
            expect(await permitsOnChain([named, ...rest]), `grant named for ${g.holder} on ${id}`).to.equal(true);
            checked++;
          } else {
            // No grant of this holder permits: the contract's own search finds none either.
            const found = (await f.pub.readContract({
              address: f.d.ledger,
              abi: licenceLedgerAbi,
              functionName: "findGrant",
              args: [g.holder, BigInt(id), uses.reduce((bits, u) => bits | Use[u as UseName], 0), "0x0000", 0, at],
            } as never)) as { serial: number };
            expect(found.serial, `findGrant for ${g.holder} on ${id}`).to.equal(0);
          }
          const stranger = "0x000000000000000000000000000000000000beef";
          const refused = (
            await get(`/api/permits?account=${stranger}&work=${id}&uses=${uses.join(",")}&at=${iso}`)
          ).json();
          expect(refused).to.deep.equal({ permitted: false, grant: null, check: null });
        }
        const mine = (await get(`/api/accounts/${grants[0]?.holder}/licences`)).json() as {
          grants: { grantId: string }[];
        };
        expect(mine.grants.map((x) => x.grantId)).to.include(grants[0]?.grantId);
      }
      expect(checked, "grants that permit, checked on chain").to.be.greaterThan(0);
      const bad = await get(`/api/permits?account=${artisan}&work=${work}&uses=fly`);
      expect(bad.statusCode).to.equal(400);
      expect((bad.json() as { field: string }).field).to.equal("querystring.uses");
    });

    it("counts registrations, licence sales and work sales per day, technique and region as the chain's logs do", async () => {
      const logs = await rpcCall<Log[]>(f.anvil.url, "eth_getLogs", [
        { address: [f.d.registry, f.d.ledger, f.d.exchange], fromBlock: "0x0", toBlock: "latest" },
      ]);
      const { exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi } = await import("../../types/abi/index.js");
      const { parseEventLogs } = await import("viem");
      const count = (abi: readonly unknown[], eventName: string) =>
        parseEventLogs({ abi: abi as never, logs, eventName } as never).length;
      const [works] = await f.db.query<{ n: number }>("select count(*)::int as n from works");
      const expected = {
        registrations: works?.n ?? 0,
        licences: count(licenceLedgerAbi, "LicencePurchased"),
        renewals: count(licenceLedgerAbi, "LicenceRenewed"),
        sales: count(exchangeAbi, "WorkSold"),
      };
      expect(expected.registrations).to.be.at.least(count(provenanceRegistryAbi, "PriorityClaimed"));
      expect(expected.licences).to.be.greaterThan(0);
      for (const by of ["day", "technique", "region"]) {
        const res = await get(`/api/stats?by=${by}`);
        expect(res.statusCode, res.body).to.equal(200);
        const { buckets } = res.json() as { buckets: Record<string, number>[] };
        const sum = (k: string) => buckets.reduce((a, b) => a + (b[k] ?? 0), 0);
        expect(
          {
            registrations: sum("registrations"),
            licences: sum("licences"),
            renewals: sum("renewals"),
            sales: sum("sales"),
          },
          by,
        ).to.deep.equal(expected);
      }
      const embroidery = (await get("/api/stats?by=technique")).json() as { buckets: { key: string }[] };
      expect(embroidery.buckets.map((b) => b.key)).to.include("Qiang embroidery");
      const none = (await get("/api/stats?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z")).json() as {
        buckets: unknown[];
      };
      expect(none.buckets).to.deep.equal([]);
    });

    it("exposes request latency per route and the indexer's lag in Prometheus's format", async () => {
      await get(`/api/works/${work}`);
      await get("/api/works/not-a-work");
      const res = await get("/metrics");
      expect(res.statusCode).to.equal(200);
      expect(res.headers["content-type"]).to.match(/^text\/plain; version=0.0.4/);
      expect(res.body).to.match(
        /titlechain_http_request_duration_seconds_count\{route="\/api\/works\/:workId",method="GET",status="200"\} [1-9]/,
      );
      expect(res.body).to.match(/status="400"/);
      expect(res.body).to.match(/^titlechain_indexer_lag_blocks \d+$/m);
      expect(res.body).not.to.match(/route="\/api\/works\/\d/);
    });

    it("refuses bad input with a 4xx problem naming the field, and stores nothing too large", async () => {
      const cases: [string, number, string][] = [
        ["/api/works/not-a-work", 400, "params.workId"],
        ["/api/works?limit=1000", 400, "querystring.limit"],
        ["/api/works?colour=red", 400, "querystring.colour"],
        ["/api/works?creator=0x12", 400, "querystring.creator"],
        ["/api/works?registeredFrom=yesterday", 400, "querystring.registeredFrom"],
        ["/api/works?cursor=abc", 400, "cursor"],
        ["/api/works?sort=relevance", 400, "sort"],
        ["/api/works/title/x", 404, ""],
        ["/api/verify/0x1234", 400, "params.sha256"],
        ["/ipfs/..%2F..%2Fetc%2Fpasswd", 400, "params.cid"],
      ];
      for (const [url, status, field] of cases) {
        const res = await get(url);
        expect(res.statusCode, `${url}: ${res.body}`).to.equal(status);
        expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
        const problem = res.json() as { field?: string; detail: string };
        if (field) expect(problem.field, url).to.equal(field);
        expect(problem.detail).not.to.match(/at .*\.ts|select |\/work\//);
      }
      expect((await get(`/api/works/${"1".repeat(70)}`)).statusCode).to.equal(404);
      expect((await get("/ipfs/bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4")).statusCode).to.equal(404);

      const packs = f.store.blocks.packs().length;
      const big = await f.app.inject({ method: "POST", url: "/api/files", payload: randomBytes(4 * 1024 * 1024 + 1) });
      expect(big.statusCode).to.equal(413);
      expect((big.json() as { code: string }).code).to.equal("TooLarge");
      expect(f.store.blocks.packs().length, "nothing stored").to.equal(packs);

      const invalid = await f.app.inject({ method: "POST", url: "/api/metadata", payload: { name: 5, extra: true } });
      expect(invalid.statusCode).to.equal(422);
      const issues = (invalid.json() as { issues: { path: string }[] }).issues.map((i) => i.path);
      expect(issues).to.include.members(["/name"]);
      const notJson = await f.app.inject({
        method: "POST",
        url: "/api/metadata",
        headers: { "content-type": "application/json" },
        payload: "{",
      });
      expect(notJson.statusCode).to.equal(400);
    });
  });
}
