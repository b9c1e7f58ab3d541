// Registry administration: disputes, the derivative authority, metadata, standards, royalties.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { type Address, bytesToHex, type Hex, hexToBytes, keccak256, toHex, zeroAddress, zeroHash } from "viem";
import { type Registration, workIdOf } from "../../core/registration.ts";
import type { ProvenanceRegistry } from "../../types/ethers-contracts/index.ts";
import {
  deployRegistry,
  ethers,
  metadataCid,
  networkHelpers,
  newWork,
  nextBlockAt,
  registerWork,
  unique,
} from "./fixture.ts";

const SHA2_256 = 0x12;
const RAW = 0x55;
const DAG_JSON = 0x0129;

/** A binary sha2-256 CIDv1 with any codec, built by the reference implementation rather than by hand. */
function cidOf(codec: number, digest: Hex = unique("metadata")): Hex {
  return bytesToHex(CID.createV1(codec, Digest.create(SHA2_256, hexToBytes(digest))).bytes);
}

/** The sha2-256 digest inside a CID made by {@link cidOf} or `metadataCid`: its last 32 bytes. */
function digestOf(cid: Hex): Hex {
  return `0x${cid.slice(-64)}`;
}

/** `ipfs://` followed by the base32 CIDv1 string, as IPFS prints it. */
function ipfsUri(cid: Hex): string {
  return `ipfs://${CID.decode(hexToBytes(cid)).toString()}`;
}

/** Registers `r` as `creator`; returns the work id. */
async function registerAs(registry: ProvenanceRegistry, creator: HardhatEthersSigner, r: Registration) {
  await registry.connect(creator).register(r);
  return workIdOf(r.contentHash);
}

describe("ProvenanceRegistry: administration", () => {
  describe("disputes", () => {
    it("an arbiter flags a dispute: DisputeFlagged with the evidence CID and block time; workOf shows it", async () => {
      const { registry, arbiter, alice } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      expect((await registry.workOf(workId)).disputed).to.equal(false);
      const evidence = metadataCid();
      const t = await nextBlockAt();
      await expect(registry.connect(arbiter).flagDispute(workId, evidence))
        .to.emit(registry, "DisputeFlagged")
        .withArgs(workId, arbiter.address, evidence, t);
      expect((await registry.workOf(workId)).disputed).to.equal(true);
    });

    it("an arbiter clears a dispute: DisputeCleared with the resolution CID and block time; workOf shows it", async () => {
      const { registry, arbiter, alice } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await registry.connect(arbiter).flagDispute(workId, metadataCid());
      const resolution = metadataCid();
      const t = await nextBlockAt();
      await expect(registry.connect(arbiter).clearDispute(workId, resolution))
        .to.emit(registry, "DisputeCleared")
        .withArgs(workId, arbiter.address, resolution, t);
      expect((await registry.workOf(workId)).disputed).to.equal(false);
    });

    it("a cleared work may be flagged again", async () => {
      const { registry, arbiter, alice } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await registry.connect(arbiter).flagDispute(workId, "0x");
      await registry.connect(arbiter).clearDispute(workId, "0x");
      const evidence = metadataCid();
      const t = await nextBlockAt();
      await expect(registry.connect(arbiter).flagDispute(workId, evidence))
        .to.emit(registry, "DisputeFlagged")
        .withArgs(workId, arbiter.address, evidence, t);
      expect((await registry.workOf(workId)).disputed).to.equal(true);
    });

    it("only ARBITER_ROLE may flag: AccessControlUnauthorizedAccount for the owner and even the admin", async () => {
      const { registry, admin, alice } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const role = await registry.ARBITER_ROLE();
      for (const caller of [alice, admin]) {
        await expect(registry.connect(caller).flagDispute(workId, "0x"))
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
      expect((await registry.workOf(workId)).disputed).to.equal(false);
    });

    it("only ARBITER_ROLE may clear: AccessControlUnauthorizedAccount for the owner and even the admin", async () => {
      const { registry, admin, arbiter, alice } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await registry.connect(arbiter).flagDispute(workId, "0x");
      const role = await registry.ARBITER_ROLE();
      for (const caller of [alice, admin]) {
        await expect(registry.connect(caller).clearDispute(workId, "0x"))
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
      expect((await registry.workOf(workId)).disputed).to.equal(true);
    });

    it("ARBITER_ROLE is keccak256('ARBITER_ROLE'); the admin grants and revokes it", async () => {
      const { registry, admin, alice, carol } = await networkHelpers.loadFixture(deployRegistry);
      const role = await registry.ARBITER_ROLE();
      expect(role).to.equal(keccak256(toHex("ARBITER_ROLE")));
      const workId = await registerWork(registry, alice);
      await registry.connect(admin).grantRole(role, carol.address);
      await expect(registry.connect(carol).flagDispute(workId, "0x")).to.emit(registry, "DisputeFlagged");
      await registry.connect(admin).revokeRole(role, carol.address);
      await expect(registry.connect(carol).clearDispute(workId, "0x"))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(carol.address, role);
    });

    it("reverts with WorkAlreadyDisputed when flagging a disputed work", async () => {
      const { registry, arbiter, alice } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await registry.connect(arbiter).flagDispute(workId, metadataCid());
      await expect(registry.connect(arbiter).flagDispute(workId, metadataCid()))
        .to.be.revertedWithCustomError(registry, "WorkAlreadyDisputed")
        .withArgs(workId);
    });

    it("reverts with WorkNotDisputed when clearing a work that is not disputed, including twice", async () => {
      const { registry, arbiter, alice } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await expect(registry.connect(arbiter).clearDispute(workId, "0x"))
        .to.be.revertedWithCustomError(registry, "WorkNotDisputed")
        .withArgs(workId);
      await registry.connect(arbiter).flagDispute(workId, "0x");
      await registry.connect(arbiter).clearDispute(workId, "0x");
      await expect(registry.connect(arbiter).clearDispute(workId, "0x"))
        .to.be.revertedWithCustomError(registry, "WorkNotDisputed")
        .withArgs(workId);
    });

    it("reverts with ERC721NonexistentToken when flagging or clearing a work that is not registered", async () => {
      const { registry, arbiter } = await networkHelpers.loadFixture(deployRegistry);
      const workId = BigInt(unique("never registered"));
      await expect(registry.connect(arbiter).flagDispute(workId, "0x"))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(workId);
      await expect(registry.connect(arbiter).clearDispute(workId, "0x"))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(workId);
    });

    it("a dispute flag does not change who holds the work", async () => {
      const { registry, arbiter, alice } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await registry.connect(arbiter).flagDispute(workId, "0x");
      const work = await registry.workOf(workId);
      expect(work.owner).to.equal(alice.address);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
      expect(work.pledged).to.equal(false);
    });
  });

  describe("derivative authority", () => {
    it("the admin sets it: DerivativeAuthorityChanged(previous, current, timestamp) and derivativeAuthority()", async () => {
      const { registry, admin } = await networkHelpers.loadFixture(deployRegistry);
      expect(await registry.derivativeAuthority()).to.equal(zeroAddress);
      const first = await (await ethers.deployContract("AllowListDerivativeAuthority")).getAddress();
      const second = await (await ethers.deployContract("AllowListDerivativeAuthority")).getAddress();

      let t = await nextBlockAt();
      await expect(registry.connect(admin).setDerivativeAuthority(first))
        .to.emit(registry, "DerivativeAuthorityChanged")
        .withArgs(zeroAddress, first, t);
      expect(await registry.derivativeAuthority()).to.equal(first);

      t = await nextBlockAt();
      await expect(registry.connect(admin).setDerivativeAuthority(second))
        .to.emit(registry, "DerivativeAuthorityChanged")
        .withArgs(first, second, t);
      expect(await registry.derivativeAuthority()).to.equal(second);

      t = await nextBlockAt();
      await expect(registry.connect(admin).setDerivativeAuthority(zeroAddress))
        .to.emit(registry, "DerivativeAuthorityChanged")
        .withArgs(second, zeroAddress, t);
      expect(await registry.derivativeAuthority()).to.equal(zeroAddress);
    });

    it("only the admin may set it: AccessControlUnauthorizedAccount(account, DEFAULT_ADMIN_ROLE)", async () => {
      const { registry, arbiter, alice } = await networkHelpers.loadFixture(deployRegistry);
      const role = await registry.DEFAULT_ADMIN_ROLE();
      expect(role).to.equal(zeroHash);
      for (const caller of [alice, arbiter]) {
        await expect(registry.connect(caller).setDerivativeAuthority(caller.address))
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
      expect(await registry.derivativeAuthority()).to.equal(zeroAddress);
    });

    it("alone records encumbrances (encumber): NotDerivativeAuthority(caller) for anyone else", async () => {
      const { registry, admin, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      for (const caller of [alice, admin]) {
        await expect(registry.connect(caller).encumber(workId))
          .to.be.revertedWithCustomError(registry, "NotDerivativeAuthority")
          .withArgs(caller.address);
      }
      await registry.connect(admin).setDerivativeAuthority(bob.address);
      const word = await registry.connect(bob).encumber.staticCall(workId);
      await registry.connect(bob).encumber(workId);
      expect((await registry.titleOf(workId)).encumbrances).to.equal(1n);
      expect(await registry.titleWordOf(workId)).to.equal(word);
      const unknown = BigInt(unique("nothing"));
      await expect(registry.connect(bob).encumber(unknown))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(unknown);
    });
  });

  describe("updateMetadata", () => {
    it("emits MetadataChanged(workId, by, codec, digest, timestamp) and ERC-4906 MetadataUpdate(workId)", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const cid = metadataCid();
      const t = await nextBlockAt();
      await expect(registry.connect(alice).updateMetadata(workId, cid))
        .to.emit(registry, "MetadataChanged")
        .withArgs(workId, alice.address, RAW, digestOf(cid), t)
        .and.to.emit(registry, "MetadataUpdate")
        .withArgs(workId);
      expect((await registry.workOf(workId)).metadataCid).to.equal(cid);
    });

    it("changes tokenURI to the new ipfs:// CID", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const r = newWork(alice.address);
      const workId = await registerAs(registry, alice, r);
      expect(await registry.tokenURI(workId)).to.equal(ipfsUri(r.metadataCid));
      const cid = metadataCid();
      await registry.connect(alice).updateMetadata(workId, cid);
      const uri = await registry.tokenURI(workId);
      expect(uri).to.equal(ipfsUri(cid));
      expect(uri).to.not.equal(ipfsUri(r.metadataCid));
      expect(uri).to.match(/^ipfs:\/\/bafkrei[a-z2-7]{52}$/);
    });

    it("keeps the work id, content hash and every fact fixed at registration", async () => {
      const { registry, alice, bob, carol } = await networkHelpers.loadFixture(deployRegistry);
      const parent = await registerWork(registry, alice);
      const r = newWork(bob.address, {
        royaltyBps: 2_345,
        royaltyReceiver: carol.address as Address,
        parents: [parent],
      });
      const registeredAt = await nextBlockAt();
      const workId = await registerAs(registry, alice, r);
      const cid = cidOf(DAG_JSON);
      await registry.connect(bob).updateMetadata(workId, cid);
      // The id is still the content hash: the record is found under it, unchanged but for the metadata.
      expect(workId).to.equal(BigInt(r.contentHash));
      expect(await registry.ownerOf(r.contentHash)).to.equal(bob.address);
      const work = await registry.workOf(workId);
      expect(work.owner).to.equal(bob.address);
      expect(work.creator).to.equal(alice.address);
      expect(work.registeredAt).to.equal(registeredAt);
      expect(work.royaltyBps).to.equal(2_345n);
      expect(work.royaltyReceiver).to.equal(carol.address);
      expect(work.parents).to.deep.equal([parent]);
      expect(work.metadataCid).to.equal(cid);
      const [receiver, amount] = await registry.royaltyInfo(workId, 10_000n);
      expect(receiver).to.equal(carol.address);
      expect(amount).to.equal(2_345n);
    });

    it("stores CIDs of any codec and varint length, and prints them as IPFS does", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      // One-byte (dag-pb, dag-cbor), two-byte (dag-json), three-byte and four-byte codec varints.
      for (const codec of [0x70, 0x71, DAG_JSON, 0x1_2345, 0x0fff_ffff]) {
        const cid = cidOf(codec);
        const t = await nextBlockAt();
        await expect(registry.connect(alice).updateMetadata(workId, cid))
          .to.emit(registry, "MetadataChanged")
          .withArgs(workId, alice.address, codec, digestOf(cid), t);
        expect((await registry.workOf(workId)).metadataCid).to.equal(cid);
        expect(await registry.tokenURI(workId)).to.equal(ipfsUri(cid));
      }
    });

    it("may only be made by the owner: NotWorkOwner for a stranger, an approved account and the former owner", async () => {
      const { registry, alice, bob, carol } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await registry.connect(alice).approve(carol.address, workId);
      for (const caller of [bob, carol]) {
        await expect(registry.connect(caller).updateMetadata(workId, metadataCid()))
          .to.be.revertedWithCustomError(registry, "NotWorkOwner")
          .withArgs(workId, caller.address);
      }
      await registry.connect(alice).transferFrom(alice.address, bob.address, workId);
      // The creator loses the right with the title; the new holder gains it.
      await expect(registry.connect(alice).updateMetadata(workId, metadataCid()))
        .to.be.revertedWithCustomError(registry, "NotWorkOwner")
        .withArgs(workId, alice.address);
      await expect(registry.connect(bob).updateMetadata(workId, metadataCid())).to.emit(registry, "MetadataChanged");
    });

    it("reverts with ERC721NonexistentToken for a work that is not registered", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const workId = BigInt(unique("never registered"));
      await expect(registry.connect(alice).updateMetadata(workId, metadataCid()))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(workId);
    });

    it("reverts with InvalidMetadataCid(cid) for anything but a binary sha2-256 CIDv1", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const r = newWork(alice.address);
      const workId = await registerAs(registry, alice, r);
      const digest = unique("metadata").slice(2);
      const invalid: Hex[] = [
        "0x", // empty
        `0x1220${digest}`, // CIDv0
        `0x02551220${digest}`, // unknown CID version
        `0x01551b20${digest}`, // keccak-256 multihash
        `0x01551210${digest.slice(0, 32)}`, // 16-byte digest
        `0x01551220${digest.slice(0, 62)}`, // truncated digest
        `0x01551220${digest}00`, // trailing byte
        `0x01001220${digest}`, // codec zero
        `0x01d5001220${digest}`, // non-minimal varint for raw
        `0x01ffffffff011220${digest}`, // codec varint longer than four bytes
      ];
      for (const cid of invalid) {
        await expect(registry.connect(alice).updateMetadata(workId, cid))
          .to.be.revertedWithCustomError(registry, "InvalidMetadataCid")
          .withArgs(cid);
      }
      expect((await registry.workOf(workId)).metadataCid).to.equal(r.metadataCid);
    });

    it("the history of every metadata CID is reconstructible from WorkRegistered and MetadataChanged events", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const r = newWork(alice.address);
      const workId = await registerAs(registry, alice, r);
      const other = await registerWork(registry, bob);
      const history: Hex[] = [r.metadataCid];
      const editors: string[] = [];

      const second = cidOf(0x70);
      await registry.connect(alice).updateMetadata(workId, second);
      history.push(second);
      editors.push(alice.address);
      // Another work's update must not leak into this history.
      await registry.connect(bob).updateMetadata(other, metadataCid());
      await registry.connect(alice).transferFrom(alice.address, bob.address, workId);
      const third = cidOf(DAG_JSON);
      await registry.connect(bob).updateMetadata(workId, third);
      history.push(third);
      editors.push(bob.address);
      const fourth = metadataCid();
      await registry.connect(bob).updateMetadata(workId, fourth);
      history.push(fourth);
      editors.push(bob.address);

      const registered = await registry.queryFilter(registry.filters.WorkRegistered(workId));
      const first = registered[0];
      if (first === undefined || registered.length !== 1) throw new Error("expected one WorkRegistered event");
      const changes = await registry.queryFilter(registry.filters.MetadataChanged(workId));
      const rebuilt = [first, ...changes].map((log) =>
        cidOf(Number(log.args.metadataCodec), log.args.metadataDigest as Hex),
      );
      expect(rebuilt).to.deep.equal(history);
      expect(changes.map((log) => log.args.by)).to.deep.equal(editors);
      expect(rebuilt[rebuilt.length - 1]).to.equal((await registry.workOf(workId)).metadataCid);
    });
  });

  describe("standards", () => {
    it("supports ERC-165, ERC-721, ERC-721 metadata, ERC-2981, ERC-4906 and AccessControl", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      for (const id of ["0x01ffc9a7", "0x80ac58cd", "0x5b5e139f", "0x2a55205a", "0x49064906", "0x7965db0b"]) {
        expect(await registry.supportsInterface(id), id).to.equal(true);
      }
    });

    it("supports the IProvenanceRegistry interface id, the XOR of its function selectors", async () => {
      const { registry, registryAddress } = await networkHelpers.loadFixture(deployRegistry);
      const iface = (await ethers.getContractAt("IProvenanceRegistry", registryAddress)).interface;
      let id = 0;
      iface.forEachFunction((fn) => {
        id ^= Number.parseInt(fn.selector.slice(2), 16);
      });
      const interfaceId = `0x${(id >>> 0).toString(16).padStart(8, "0")}`;
      expect(await registry.supportsInterface(interfaceId)).to.equal(true);
    });

    it("does not support 0xffffffff, nor interfaces it does not implement (ERC-721 enumerable, ERC-1155)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      for (const id of ["0xffffffff", "0x780e9d63", "0xd9b67a26", "0x00000000"]) {
        expect(await registry.supportsInterface(id), id).to.equal(false);
      }
    });

    it("is named 'Titlechain Provenance' with symbol 'TITLE'", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      expect(await registry.name()).to.equal("Titlechain Provenance");
      expect(await registry.symbol()).to.equal("TITLE");
    });

    it("eip712Domain() (ERC-5267) names the registry's signing domain", async () => {
      const { registry, registryAddress, chainId } = await networkHelpers.loadFixture(deployRegistry);
      const domain = await registry.eip712Domain();
      expect(domain.fields).to.equal("0x0f");
      expect(domain.name).to.equal("Titlechain Provenance Registry");
      expect(domain.version).to.equal("1");
      expect(domain.chainId).to.equal(chainId);
      expect(domain.verifyingContract).to.equal(registryAddress);
      expect(domain.salt).to.equal(zeroHash);
      expect(domain.extensions).to.deep.equal([]);
    });
  });

  describe("royalties (ERC-2981)", () => {
    it("pays the creator by default, even after the title has moved", async () => {
      const { registry, alice, bob, carol } = await networkHelpers.loadFixture(deployRegistry);
      // Created by Alice, first held by Bob, then assigned to Carol.
      const workId = await registerAs(registry, alice, newWork(bob.address, { royaltyBps: 500 }));
      let [receiver, amount] = await registry.royaltyInfo(workId, 10_000n);
      expect(receiver).to.equal(alice.address);
      expect(amount).to.equal(500n);
      await registry.connect(bob).transferFrom(bob.address, carol.address, workId);
      [receiver, amount] = await registry.royaltyInfo(workId, 10_000n);
      expect(receiver).to.equal(alice.address);
      expect(amount).to.equal(500n);
      expect((await registry.workOf(workId)).royaltyReceiver).to.equal(alice.address);
    });

    it("pays an explicit receiver when one was registered", async () => {
      const { registry, alice, carol } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerAs(
        registry,
        alice,
        newWork(alice.address, { royaltyReceiver: carol.address as Address }),
      );
      const [receiver] = await registry.royaltyInfo(workId, 1n);
      expect(receiver).to.equal(carol.address);
    });

    it("computes price * bps / 10000, rounding down", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const cases: [number, bigint][] = [
        [250, 10n ** 18n],
        [25, 399n],
        [2_500, 10_001n],
        [1, 9_999n],
        [1_234, 10n ** 30n + 7n],
        [0, 10n ** 18n],
      ];
      for (const [bps, price] of cases) {
        const workId = await registerAs(registry, alice, newWork(alice.address, { royaltyBps: bps }));
        const [, amount] = await registry.royaltyInfo(workId, price);
        expect(amount, `${bps} bps of ${price}`).to.equal((price * BigInt(bps)) / 10_000n);
      }
    });

    it("reverts with ERC721NonexistentToken for a work that is not registered", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      const workId = BigInt(unique("never registered"));
      await expect(registry.royaltyInfo(workId, 10_000n))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(workId);
    });

    it("register accepts MAX_ROYALTY_BPS (2500) and reverts with RoyaltyTooHigh(bps, 2500) above it", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      expect(await registry.MAX_ROYALTY_BPS()).to.equal(2_500n);
      await expect(registry.connect(alice).register(newWork(alice.address, { royaltyBps: 2_500 }))).to.emit(
        registry,
        "WorkRegistered",
      );
      for (const bps of [2_501, 10_000, 65_535]) {
        await expect(registry.connect(alice).register(newWork(alice.address, { royaltyBps: bps })))
          .to.be.revertedWithCustomError(registry, "RoyaltyTooHigh")
          .withArgs(bps, 2_500);
      }
    });
  });

  describe("ERC-721 views", () => {
    it("balanceOf(0) reverts with ERC721InvalidOwner(0)", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      await expect(registry.balanceOf(zeroAddress))
        .to.be.revertedWithCustomError(registry, "ERC721InvalidOwner")
        .withArgs(zeroAddress);
    });

    it("ownerOf an unknown work reverts with ERC721NonexistentToken", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      const workId = BigInt(unique("never registered"));
      await expect(registry.ownerOf(workId))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(workId);
    });

    it("tokenURI, royaltyInfo, ownerOf and workOf of an unknown work all revert with ERC721NonexistentToken", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      const workId = BigInt(unique("never registered"));
      for (const call of [
        registry.tokenURI(workId),
        registry.royaltyInfo(workId, 1_000n),
        registry.ownerOf(workId),
        registry.workOf(workId),
        registry.getApproved(workId),
      ]) {
        await expect(call).to.be.revertedWithCustomError(registry, "ERC721NonexistentToken").withArgs(workId);
      }
    });

    it("workOf an unknown work reverts with ERC721NonexistentToken", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      const workId = BigInt(unique("never registered"));
      await expect(registry.workOf(workId))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(workId);
    });

    it("workOf returns every field of the record", async () => {
      const { registry, arbiter, alice, bob, carol, relayer } = await networkHelpers.loadFixture(deployRegistry);
      const parentA = await registerWork(registry, alice);
      const parentB = await registerWork(registry, alice);
      const r = newWork(bob.address, {
        metadataCid: cidOf(DAG_JSON),
        royaltyReceiver: carol.address as Address,
        royaltyBps: 1_234,
        parents: [parentB, parentA],
      });
      const registeredAt = await nextBlockAt();
      const workId = await registerAs(registry, alice, r);
      await registry.connect(bob).pledge(workId, relayer.address, registeredAt + 86_400n, "0x");
      await registry.connect(arbiter).flagDispute(workId, "0x");

      const work = await registry.workOf(workId);
      expect(work.owner).to.equal(bob.address);
      expect(work.creator).to.equal(alice.address);
      expect(work.registeredAt).to.equal(registeredAt);
      expect(work.royaltyBps).to.equal(1_234n);
      expect(work.royaltyReceiver).to.equal(carol.address);
      expect(work.pledged).to.equal(true);
      expect(work.disputed).to.equal(true);
      expect(work.metadataCid).to.equal(r.metadataCid);
      expect(work.parents).to.deep.equal([parentB, parentA]);

      // A plain work: no flags, no parents, the creator as royalty receiver.
      const plain = await registry.workOf(parentA);
      expect(plain.owner).to.equal(alice.address);
      expect(plain.creator).to.equal(alice.address);
      expect(plain.royaltyReceiver).to.equal(alice.address);
      expect(plain.royaltyBps).to.equal(500n);
      expect(plain.pledged).to.equal(false);
      expect(plain.disputed).to.equal(false);
      expect(plain.parents).to.deep.equal([]);
    });
  });
});
