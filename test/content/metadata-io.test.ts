// Work metadata written to and read from the content store, refused when invalid.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { buildWorkMetadata, canonicalJson, MetadataError, type WorkMetadata } from "../../core/metadata.ts";
import { EmbeddedContentStore } from "../../server/content/embedded-store.ts";
import { ContentError } from "../../server/content/errors.ts";
import { fetchWorkMetadata, MAX_METADATA_BYTES, storeWorkMetadata } from "../../server/content/metadata-io.ts";

const metadata: WorkMetadata = buildWorkMetadata({
  name: "羌绣·云纹 Qiang embroidery: cloud pattern",
  description: "A cloud-scroll border in cross-stitch.",
  i18n: { zh: { name: "羌绣·云纹" }, en: { name: "Qiang embroidery: cloud pattern" } },
  creator: [{ "@type": "Person", name: "王阿妹" }],
  dateCreated: "2024-05",
  genre: "Qiang embroidery",
  content: {
    sha256: `0x${"ab".repeat(32)}`,
    cid: "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4",
    size: 12,
    mediaType: "image/png",
  },
});

describe("work metadata in the content store", () => {
  let dir: string;
  let store: EmbeddedContentStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "titlechain-meta-"));
    store = await EmbeddedContentStore.open({ dir, maxFileSize: 2 ** 20 });
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("stores canonical JSON and reads back the same metadata; the same metadata always has the same CID", async () => {
    const cid = await storeWorkMetadata(store, metadata);
    expect(await fetchWorkMetadata(store, cid)).to.deep.equal(metadata);
    const reordered = JSON.parse(JSON.stringify(metadata, Object.keys(metadata).reverse())) as WorkMetadata;
    expect(await storeWorkMetadata(store, { ...reordered, ...metadata })).to.equal(cid);
    const bytes: Uint8Array[] = [];
    for await (const chunk of store.get(cid)) bytes.push(chunk);
    expect(Buffer.concat(bytes).toString("utf8")).to.equal(canonicalJson(metadata));
  });

  it("never writes invalid metadata", async () => {
    const before = store.blocks.packs().length;
    try {
      await storeWorkMetadata(store, { ...metadata, dateCreated: "2024-13" });
      expect.fail("invalid metadata was stored");
    } catch (error) {
      expect(error).to.be.instanceOf(MetadataError);
      expect((error as MetadataError).issues.map((i) => i.path)).to.deep.equal(["/dateCreated"]);
    }
    expect(store.blocks.packs().length).to.equal(before);
  });

  it("refuses what it reads when it is not valid metadata, naming the field", async () => {
    const { cid } = await store.add([new TextEncoder().encode(JSON.stringify({ ...metadata, name: "" }))]);
    try {
      await fetchWorkMetadata(store, cid);
      expect.fail("invalid metadata was accepted");
    } catch (error) {
      expect(error).to.be.instanceOf(MetadataError);
      expect((error as MetadataError).issues.map((i) => i.path)).to.deep.equal(["/name"]);
    }
  });

  it("refuses to read a document larger than MAX_METADATA_BYTES", async () => {
    const { cid } = await store.add([new Uint8Array(MAX_METADATA_BYTES + 1).fill(0x20)]);
    try {
      await fetchWorkMetadata(store, cid);
      expect.fail("an oversized document was read");
    } catch (error) {
      expect(error).to.be.instanceOf(ContentError);
      expect((error as ContentError).code).to.equal("TooLarge");
    }
  });
});
