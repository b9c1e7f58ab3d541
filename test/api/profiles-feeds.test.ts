// Creator profiles signed by their accounts, and Atom feeds of new works, through the API on a real chain.
import { createHash, randomBytes } from "node:crypto";
import { expect } from "chai";
import { type Address, createWalletClient, type Hex, http } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { type ProfileMessage, profileTypedData } from "../../core/eip712.ts";
import { AVATAR_MAX_BYTES } from "../../core/media-types.ts";
import { bytecodeOf } from "../../scripts/deploy/viem.ts";
import { UploadCollector } from "../../server/content/collector.ts";
import { contractWalletBytecode } from "../../types/abi/bytecode.js";
import { contractWalletAbi } from "../../types/abi/index.js";
import { pgliteBackend, postgresBackend } from "../db/backends.ts";
import { rpcCall } from "../indexer/chain.ts";
import { CHAIN_ID } from "../indexer/mirror.ts";
import { type ApiFixture, apiFixture } from "./fixture.ts";

for (const make of [pgliteBackend, postgresBackend]) {
  const backend = make();
  describe(`profiles and feeds on anvil and ${backend.name}`, function () {
    this.timeout(120_000);
    let f: ApiFixture;
    let creator: Hex;
    let work: bigint;
    let hostile: bigint;

    before(async () => {
      f = await apiFixture(backend, { publicUrl: "https://titlechain.example/" });
      creator = f.accounts[4] as Hex;
      work = await f.register(creator, randomBytes(500), {
        name: "两河木雕 Lianghe wood carving",
        i18n: { zh: { name: "两河木雕" }, en: { name: "Lianghe wood carving" } },
        genre: "Lianghe wood carving",
      });
      hostile = await f.register(f.accounts[5] as Hex, randomBytes(500), {
        name: "<script>alert('x')</script> & co",
        i18n: { zh: { name: "测试" }, en: { name: "<b>bold</b>" } },
        genre: "Weaving",
      });
      await f.sync();
    });
    after(async () => {
      await f?.close();
    });

    const profile = (account: Hex, issuedAt: bigint): ProfileMessage => ({
      account,
      nameZh: "王阿妹",
      nameEn: "Wang Amei",
      craft: "Lianghe wood carving",
      region: "Sichuan",
      bio: "Carves cloud patterns.",
      avatarCid: "",
      links: ["https://example.org/wang"],
      issuedAt,
    });
    const put = (account: Hex, message: ProfileMessage, signature: Hex) =>
      f.app.inject({
        method: "PUT",
        url: `/api/profiles/${account}`,
        payload: { ...message, account: undefined, issuedAt: message.issuedAt.toString(), signature },
      });

    it("shows the profile an account signed, with its works; refuses one signed by another, stale or in the future", async () => {
      const owner = privateKeyToAccount(generatePrivateKey());
      const now = BigInt(Math.floor(Date.now() / 1000));
      const signed = (m: ProfileMessage, by = owner) =>
        by.signTypedData(profileTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message: m }));
      const first = profile(owner.address, now - 10n);
      const res = await put(owner.address, first, await signed(first));
      expect(res.statusCode, res.body).to.equal(200);

      const intruder = privateKeyToAccount(generatePrivateKey());
      const forged = { ...profile(owner.address, now), nameEn: "Someone Else" };
      const refused = await put(owner.address, forged, await signed(forged, intruder));
      expect(refused.statusCode).to.equal(403);
      expect((refused.json() as { code: string; field: string }).field).to.equal("body.signature");
      const stale = profile(owner.address, now - 100n);
      expect((await put(owner.address, stale, await signed(stale))).statusCode).to.equal(409);
      const future = profile(owner.address, now + 3600n);
      expect((await put(owner.address, future, await signed(future))).statusCode).to.equal(400);
      const badLink = { ...profile(owner.address, now), links: ["javascript:alert(1)"] };
      const link = await put(owner.address, badLink, await signed(badLink));
      expect(link.statusCode).to.equal(400);
      expect((link.json() as { field: string }).field).to.equal("body.links.0");

      const page = (await f.app.inject({ method: "GET", url: `/api/profiles/${owner.address}` })).json() as {
        profile: { nameEn: string; signature: string };
      };
      expect(page.profile.nameEn).to.equal("Wang Amei");
      expect(page.profile.signature).to.equal((await signed(first)).toLowerCase());

      // An artisan's page lists its works even before it signs a profile.
      const artisan = (await f.app.inject({ method: "GET", url: `/api/profiles/${creator}` })).json() as {
        profile: unknown;
        works: { workId: string }[];
        worksCreated: number;
      };
      expect(artisan.profile).to.equal(null);
      expect(artisan.works.map((w) => w.workId)).to.deep.equal([work.toString()]);
      expect(artisan.worksCreated).to.equal(1);
      const nobody = await f.app.inject({ method: "GET", url: `/api/profiles/0x${"ab".repeat(20)}` });
      expect(nobody.statusCode).to.equal(404);
    });

    it("keeps the picture a profile names through garbage collection until it names another; refuses a bad one", async () => {
      const owner = privateKeyToAccount(generatePrivateKey());
      const now = BigInt(Math.floor(Date.now() / 1000));
      const signed = (m: ProfileMessage) =>
        owner.signTypedData(profileTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message: m }));
      const upload = async (bytes: Buffer) =>
        ((await f.app.inject({ method: "POST", url: "/api/files", payload: bytes })).json() as { cid: string }).cid;
      const collector = new UploadCollector({ store: f.store, db: f.db, chainId: CHAIN_ID, graceMs: 0 });
      await f.sync();
      const picture = await upload(randomBytes(2000));
      const stray = await upload(randomBytes(2000));
      const named = { ...profile(owner.address, now - 10n), avatarCid: picture };
      const res = await put(owner.address, named, await signed(named));
      expect(res.statusCode, res.body).to.equal(200);
      const round = await collector.runOnce();
      expect(round.skipped).to.equal(null);
      expect(round.removed).to.include(stray);
      expect(round.removed).not.to.include(picture);
      expect((await f.app.inject({ method: "GET", url: `/ipfs/${picture}` })).statusCode).to.equal(200);

      // A picture that is not a CID, or an upload here larger than a picture may be, is refused naming the field.
      const notCid = { ...profile(owner.address, now - 5n), avatarCid: "notacid1234" };
      const refused = await put(owner.address, notCid, await signed(notCid));
      expect(refused.statusCode, refused.body).to.equal(400);
      expect(refused.json()).to.include({ code: "InvalidCid", field: "body.avatarCid" });
      const huge = { ...profile(owner.address, now - 5n), avatarCid: await upload(randomBytes(AVATAR_MAX_BYTES + 1)) };
      const tooLarge = await put(owner.address, huge, await signed(huge));
      expect(tooLarge.statusCode, tooLarge.body).to.equal(400);
      expect(tooLarge.json()).to.include({ code: "InvalidField", field: "body.avatarCid" });
      const page = (await f.app.inject({ method: "GET", url: `/api/profiles/${owner.address}` })).json() as {
        profile: { avatarCid: string };
      };
      expect(page.profile.avatarCid, "the stored profile stays").to.equal(picture);

      // A newer profile without it: the picture goes at the next round, like any upload nothing names.
      const without = profile(owner.address, now);
      expect((await put(owner.address, without, await signed(without))).statusCode).to.equal(200);
      expect((await collector.runOnce()).removed).to.include(picture);
    });

    it("accepts a contract account's profile signed as its ERC-1271 check accepts, and refuses another", async () => {
      const owner = privateKeyToAccount(generatePrivateKey());
      const [admin] = await rpcCall<Hex[]>(f.anvil.url, "eth_accounts");
      const wallet = createWalletClient({ chain: foundry, transport: http(f.anvil.url), account: admin as Hex });
      const hash = await wallet.deployContract({
        abi: contractWalletAbi,
        bytecode: bytecodeOf(contractWalletBytecode),
        args: [owner.address],
      });
      const cooperative = (await f.pub.waitForTransactionReceipt({ hash })).contractAddress as Address;
      const now = BigInt(Math.floor(Date.now() / 1000));
      const message = { ...profile(cooperative, now), nameEn: "Lianghe Carvers' Cooperative" };
      const sign = (by: typeof owner) =>
        by.signTypedData(profileTypedData({ chainId: CHAIN_ID, registry: f.d.registry, message }));
      const refused = await put(cooperative, message, await sign(privateKeyToAccount(generatePrivateKey())));
      expect(refused.statusCode, refused.body).to.equal(403);
      const accepted = await put(cooperative, message, await sign(owner));
      expect(accepted.statusCode, accepted.body).to.equal(200);
      const page = (await f.app.inject({ method: "GET", url: `/api/profiles/${cooperative}` })).json() as {
        profile: { nameEn: string };
      };
      expect(page.profile.nameEn).to.equal("Lianghe Carvers' Cooperative");
    });

    it("lists new works in Atom feeds per creator, per technique and per search, escaping what users wrote", async () => {
      const byCreator = await f.app.inject({ method: "GET", url: `/api/feeds/works.atom?creator=${creator}` });
      expect(byCreator.statusCode).to.equal(200);
      expect(byCreator.headers["content-type"]).to.equal("application/atom+xml; charset=utf-8");
      const xml = byCreator.body;
      expect(xml).to.match(
        /^<\?xml version="1.0" encoding="utf-8"\?>\s*<feed xmlns="http:\/\/www.w3.org\/2005\/Atom">/,
      );
      expect(xml.match(/<entry>/g)).to.have.length(1);
      expect(xml).to.include("两河木雕 Lianghe wood carving");
      expect(xml).to.include(`urn:titlechain:${CHAIN_ID}:work:${work}`);
      // Links point at the configured public address, not at whatever host the request named.
      expect(xml).to.include(`href="https://titlechain.example/api/works/${work}"`);
      expect(xml).not.to.include("localhost");
      const byTechnique = await f.app.inject({ method: "GET", url: "/api/feeds/works.atom?technique=weaving" });
      expect(byTechnique.body).to.include(`work:${hostile}`);
      // Readers render type="html" titles: the user's markup must arrive escaped, as text.
      expect(byTechnique.body).not.to.include("<script>");
      expect(byTechnique.body).to.include("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62; &#38; co");
      const bySearch = await f.app.inject({
        method: "GET",
        url: `/api/feeds/works.atom?q=${encodeURIComponent("木雕")}`,
      });
      expect(bySearch.body).to.include(`work:${work}`);
      expect(bySearch.body).not.to.include(`work:${hostile}`);
      expect((await f.app.inject({ method: "GET", url: "/api/feeds/works.atom?creator=nobody" })).statusCode).to.equal(
        400,
      );
    });

    it("streams new ledger events as Server-Sent Events, and resumes after Last-Event-ID", async () => {
      const origin = await f.app.listen({ host: "127.0.0.1", port: 0 });
      const read = async (
        headers: Record<string, string>,
        until: (text: string) => boolean,
        act?: () => Promise<void>,
      ) => {
        const abort = new AbortController();
        const res = await fetch(`${origin}/api/events`, { headers, signal: abort.signal });
        expect(res.headers.get("content-type")).to.equal("text/event-stream; charset=utf-8");
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        let text = "";
        const acting = act?.();
        const deadline = Date.now() + 30_000;
        while (!until(text) && Date.now() < deadline) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        abort.abort();
        await acting;
        return text;
      };
      const fresh = randomBytes(400);
      const live = await read(
        {},
        (t) => t.includes("event: registration"),
        async () => {
          await f.register(creator, fresh, { name: "新作 New work" });
          await f.sync();
        },
      );
      expect(live).to.match(/^: titlechain ledger events/);
      const registered = /id: (\d+:\d+)\nevent: registration\ndata: (.*)\n/.exec(live);
      expect(JSON.parse(registered?.[2] ?? "{}")).to.include({
        event: "WorkRegistered",
        workId: BigInt(`0x${createHash("sha256").update(fresh).digest("hex")}`).toString(),
      });
      // From the start: the first work's registration comes first.
      const replay = await read({ "last-event-id": "0:0" }, (t) => (t.match(/event: registration/g) ?? []).length >= 1);
      expect(replay).to.include(`"workId":"${work}"`);
    });
  });
}
