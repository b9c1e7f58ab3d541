// The demonstration market (`npm start -- --demo`): craft works, creators, licences, sales, a pledge, a dispute, a batch.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  type Abi,
  type Address,
  createPublicClient,
  createWalletClient,
  decodeErrorResult,
  type Hex,
  http,
  keccak256,
  type LocalAccount,
  type PublicClient,
  toHex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { titlechainClient } from "../client/index.ts";
import { cidToHex } from "../core/cid.ts";
import { profileTypedData } from "../core/eip712.ts";
import {
  ALL_FIELDS,
  FOREVER,
  LicenceKind,
  type LicenceTerms,
  termsHashOf,
  territoryOf,
  type UseName,
  usesOf,
} from "../core/licence.ts";
import { buildWorkMetadata } from "../core/metadata.ts";
import { exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi } from "../types/abi/index.js";
import { encodePng, generateDesign } from "./designs.ts";

const run = promisify(execFile);
const ZERO = "0x0000000000000000000000000000000000000000" as const;
const GWEI = 10n ** 9n;
const DAY = 86_400;

type Craft = { zh: string; en: string; regionZh: string; regionEn: string; motifs: [string, string][] };

/** The crafts of the demonstration, each with the region it comes from and motifs in both languages. */
const CRAFTS: Craft[] = [
  {
    zh: "羌绣",
    en: "Qiang embroidery",
    regionZh: "四川茂县",
    regionEn: "Maoxian, Sichuan",
    motifs: [
      ["羊角花", "sheep-horn flower"],
      ["云纹", "cloud scroll"],
      ["团花", "round flower"],
    ],
  },
  {
    zh: "梁河木雕",
    en: "Lianghe wood carving",
    regionZh: "云南梁河",
    regionEn: "Lianghe, Yunnan",
    motifs: [
      ["孔雀", "peacock"],
      ["象纹", "elephant"],
      ["莲花", "lotus"],
    ],
  },
  {
    zh: "皮革艺术",
    en: "leather art",
    regionZh: "西藏拉萨",
    regionEn: "Lhasa, Tibet",
    motifs: [
      ["吉祥结", "endless knot"],
      ["雪狮", "snow lion"],
      ["卷草", "scrolling vine"],
    ],
  },
  {
    zh: "扎染",
    en: "tie-dyeing",
    regionZh: "云南大理",
    regionEn: "Dali, Yunnan",
    motifs: [
      ["蝴蝶", "butterfly"],
      ["水波", "water wave"],
      ["梅花", "plum blossom"],
    ],
  },
  {
    zh: "织锦",
    en: "brocade weaving",
    regionZh: "广西宾阳",
    regionEn: "Binyang, Guangxi",
    motifs: [
      ["回纹", "key fret"],
      ["凤凰", "phoenix"],
      ["万字", "swastika fret"],
    ],
  },
];
const OBJECTS: [string, string][] = [
  ["围腰", "apron"],
  ["挂毯", "tapestry"],
  ["靠垫", "cushion"],
];
const CREATORS = [
  { zh: "杨秀英", en: "Yang Xiuying" },
  { zh: "何德成", en: "He Decheng" },
  { zh: "次仁卓玛", en: "Tsering Drolma" },
  { zh: "段春梅", en: "Duan Chunmei" },
  { zh: "韦小燕", en: "Wei Xiaoyan" },
];

const log = (line: string) => process.stderr.write(`titlechain demo: ${line}\n`);

/** Seeds the demonstration market through the server at `serverUrl` and the chain at `chainUrl`. */
export async function seedDemo(serverUrl: string, chainUrl: string): Promise<void> {
  const api = titlechainClient(serverUrl);
  const { data: existing } = await api.GET("/api/works", { params: { query: { limit: 1 } } });
  if ((existing?.works.length ?? 0) > 0) {
    log("this data directory already has works: nothing seeded");
    return;
  }
  const { data: deployment } = await api.GET("/api/deployment");
  if (!deployment) throw new Error("the server does not name its deployment");
  const pub = createPublicClient({ transport: http(chainUrl) }) as PublicClient;
  const fund = async (account: LocalAccount) => {
    await pub.request({ method: "anvil_setBalance" as never, params: [account.address, toHex(10n ** 20n)] as never });
    return account;
  };
  const make = () => fund(privateKeyToAccount(generatePrivateKey()));
  const creators = await Promise.all(CREATORS.map(make));
  const [cooperative, buyer, brand, lender] = await Promise.all([make(), make(), make(), make()]);
  const contracts = {
    registry: { address: deployment.registry as Address, abi: provenanceRegistryAbi as Abi },
    ledger: { address: deployment.ledger as Address, abi: licenceLedgerAbi as Abi },
    exchange: { address: deployment.exchange as Address, abi: exchangeAbi as Abi },
  };
  const send = async (
    from: LocalAccount | Address,
    target: keyof typeof contracts,
    functionName: string,
    args: unknown[],
    value = 0n,
  ) => {
    const wallet = createWalletClient({ transport: http(chainUrl), account: from });
    const call = { ...contracts[target], functionName, args, value, account: from } as never;
    // Half again the node's estimate, as wallets add a margin: an estimate once fell short of what the block then used
    // (buyLicence ran out at 86,963 gas, where a purchase takes about 110,000), and the seeding stopped there. Unused
    // gas is not paid for.
    const gas = ((await pub.estimateContractGas(call)) * 3n) / 2n;
    const hash = await wallet.writeContract({ ...(call as object), gas, chain: null } as never);
    const receipt = await pub.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") {
      const { gas } = await pub.getTransaction({ hash });
      throw new Error(
        `${functionName} reverted: ${await revertOf(hash)}; gas used ${receipt.gasUsed} of ${gas} in block ${receipt.blockNumber}`,
      );
    }
  };
  // Why a mined transaction reverted, from the embedded chain's trace, as the contracts' error with its arguments.
  const revertOf = async (hash: Hex) => {
    try {
      const trace = (await pub.request({ method: "debug_traceTransaction" as never, params: [hash, {}] as never })) as {
        returnValue?: string;
      };
      const data = `0x${(trace.returnValue ?? "").replace(/^0x/, "")}` as Hex;
      const { errorName, args } = decodeErrorResult({
        abi: [...provenanceRegistryAbi, ...licenceLedgerAbi, ...exchangeAbi] as Abi,
        data,
      });
      return `${errorName}(${(args ?? []).map(String).join(", ")})`;
    } catch (error) {
      return `no reason decoded (${(error as Error).message.split("\n")[0]})`;
    }
  };
  const upload = async (bytes: Uint8Array) => {
    const { data, error } = await api.POST("/api/files", {
      body: bytes as never,
      bodySerializer: (b: unknown) => b as Uint8Array,
      headers: { "content-type": "application/octet-stream" },
    });
    if (!data) throw new Error(`upload: ${JSON.stringify(error)}`);
    return data;
  };

  log("profiles of five artisans and a cooperative");
  const issuedAt = BigInt(Math.floor(Date.now() / 1000));
  const profiles = [
    ...creators.map((account, i) => ({ account, name: CREATORS[i] as { zh: string; en: string }, craft: CRAFTS[i] })),
    {
      account: cooperative,
      name: { zh: "茂县羌绣合作社", en: "Maoxian Qiang Embroidery Cooperative" },
      craft: CRAFTS[0],
    },
  ];
  for (const { account, name, craft } of profiles) {
    const message = {
      account: account.address,
      nameZh: name.zh,
      nameEn: name.en,
      craft: `${craft?.zh} ${craft?.en}`,
      region: `${craft?.regionZh} ${craft?.regionEn}`,
      bio: `${craft?.zh}传承人。A keeper of ${craft?.en}.`,
      avatarCid: "",
      links: [] as string[],
      issuedAt,
    };
    const signature = await account.signTypedData(
      profileTypedData({ chainId: deployment.chainId, registry: deployment.registry as Address, message }),
    );
    const { error } = await api.PUT("/api/profiles/{account}", {
      params: { path: { account: account.address } },
      body: { ...message, issuedAt: issuedAt.toString(), signature } as never,
    });
    if (error) throw new Error(`profile: ${JSON.stringify(error)}`);
  }

  log("45 works: generated designs, bilingual metadata, registered by their creators");
  const works: { id: bigint; creator: LocalAccount; craft: Craft }[] = [];
  for (let i = 0; i < 45; i++) {
    const c = i % creators.length;
    const creator = creators[c] as LocalAccount;
    const craft = CRAFTS[c] as Craft;
    const [motifZh, motifEn] = craft.motifs[Math.floor(i / 5) % craft.motifs.length] as [string, string];
    const [objectZh, objectEn] = OBJECTS[Math.floor(i / 15) % OBJECTS.length] as [string, string];
    const file = await upload(encodePng(generateDesign(7_000 + i, 192)).bytes);
    const nameZh = `${craft.zh}·${motifZh}${objectZh}`;
    const nameEn = `${craft.en}: ${motifEn} ${objectEn}`;
    const name = CREATORS[c] as { zh: string; en: string };
    const metadata = buildWorkMetadata({
      name: `${nameZh} ${nameEn}`,
      description: `${craft.regionZh}${name.zh}以${craft.zh}手法制作的${objectZh}，${motifZh}图案。`,
      i18n: {
        zh: {
          name: nameZh,
          description: `${craft.regionZh}${name.zh}以${craft.zh}手法制作的${objectZh}，${motifZh}图案。`,
        },
        en: {
          name: nameEn,
          description: `A ${objectEn} in ${craft.en} by ${name.en} of ${craft.regionEn}, with a ${motifEn} pattern.`,
        },
      },
      creator: [{ "@type": "Person", name: `${name.zh} ${name.en}` }],
      dateCreated: `${2018 + (i % 7)}`,
      genre: craft.en,
      keywords: [craft.zh, motifZh, motifEn],
      locationCreated: { addressRegion: craft.regionEn, addressCountry: "CN" },
      content: { sha256: file.sha256 as Hex, cid: file.cid, size: file.size, mediaType: file.mediaType },
    });
    const { data: stored } = await api.POST("/api/metadata", { body: metadata as never });
    if (!stored) throw new Error("metadata refused");
    await send(creator, "registry", "register", [
      {
        to: creator.address,
        contentHash: file.sha256,
        metadataCid: cidToHex(stored.cid),
        royaltyReceiver: creator.address,
        royaltyBps: 500,
        parents: [],
      },
    ]);
    works.push({ id: BigInt(file.sha256), creator, craft });
  }

  log("licence offers of each kind, sales and renewals");
  const textCid = cidToHex((await upload(new TextEncoder().encode("许可条款 Licence terms (demonstration)"))).cid);
  const terms = (kind: LicenceKind, uses: UseName[], extra: Partial<LicenceTerms> = {}): LicenceTerms => ({
    kind,
    uses: usesOf(uses),
    fields: ALL_FIELDS,
    transferable: false,
    worldwide: true,
    territory: [0n, 0n, 0n],
    start: 0,
    end: FOREVER,
    duration: 365 * DAY,
    supply: 0,
    derivativeRoyaltyBps: 0,
    currency: ZERO,
    textHash: keccak256(toHex("许可条款 Licence terms (demonstration)")),
    textCid,
    ...extra,
  });
  const offers: { work: bigint; index: number; terms: LicenceTerms; price: bigint }[] = [];
  const offer = async (work: (typeof works)[number], t: LicenceTerms, price: bigint) => {
    const index = Number(
      await pub.readContract({ ...contracts.ledger, functionName: "offerCount", args: [work.id] } as never),
    );
    await send(work.creator, "ledger", "createOffer", [work.id, t, price]);
    const made = { work: work.id, index, terms: t, price };
    offers.push(made);
    return made;
  };
  // Works 1 and 2 are offered sole and exclusive below: a non-exclusive offer over the same scope would conflict.
  for (const [i, work] of works.entries()) {
    if (i === 1 || i === 2) continue;
    await offer(
      work,
      terms(LicenceKind.NonExclusive, ["reproduce", "distribute", "display"]),
      (20n + BigInt(i)) * 1_000_000n * GWEI,
    );
  }
  const sole = await offer(
    works[1] as (typeof works)[number],
    terms(LicenceKind.Sole, ["reproduce", "distribute", "commercial"], {
      worldwide: false,
      territory: territoryOf(["CN"]),
      supply: 1,
      end: Math.floor(Date.now() / 1000) + 3 * 365 * DAY,
    }),
    800n * 1_000_000n * GWEI,
  );
  await offer(
    works[2] as (typeof works)[number],
    terms(LicenceKind.Exclusive, ["reproduce", "distribute", "commercial"], {
      supply: 1,
      end: Math.floor(Date.now() / 1000) + 2 * 365 * DAY,
    }),
    2_000n * 1_000_000n * GWEI,
  );
  const adapt = await offer(
    works[0] as (typeof works)[number],
    terms(LicenceKind.NonExclusive, ["reproduce", "adapt", "commercial"], { derivativeRoyaltyBps: 1_000 }),
    300n * 1_000_000n * GWEI,
  );
  const buy = async (o: (typeof offers)[number], payer: LocalAccount) => {
    const sold = (
      (await pub.readContract({ ...contracts.ledger, functionName: "offerOf", args: [o.work, o.index] } as never)) as {
        sold: number;
      }
    ).sold;
    await send(payer, "ledger", "buyLicence", [o.work, o.index, termsHashOf(o.terms), o.price, payer.address], o.price);
    return { workId: o.work, offerIndex: o.index, serial: sold + 1 };
  };
  const grants = [];
  for (const o of offers.slice(0, 15)) grants.push(await buy(o, buyer));
  await buy(sole, brand);
  for (const grant of grants.slice(0, 3)) {
    const price = (
      offers.find((o) => o.work === grant.workId && o.index === grant.offerIndex) as (typeof offers)[number]
    ).price;
    await send(buyer, "ledger", "renewLicence", [grant, price], price);
  }

  log("a cooperative's revenue split, an assignment with its deed, a derivative paying its parent");
  for (const work of works.filter((w) => w.craft === CRAFTS[0]).slice(0, 4)) {
    await send(work.creator, "ledger", "setSplits", [
      work.id,
      [
        { account: work.creator.address, shareBps: 7_000 },
        { account: cooperative.address, shareBps: 2_000 },
        { account: lender.address, shareBps: 1_000 },
      ],
    ]);
  }
  const deed = new TextEncoder().encode("著作权转让合同 Deed of assignment (demonstration)");
  const deedCid = (await upload(deed)).cid;
  const assigned = works[5] as (typeof works)[number];
  await send(assigned.creator, "registry", "assign", [
    cooperative.address,
    assigned.id,
    keccak256(deed),
    cidToHex(deedCid),
  ]);
  await buy(adapt, brand);
  const derivativeFile = await upload(encodePng(generateDesign(7_999, 192)).bytes);
  const derivativeMeta = buildWorkMetadata({
    name: "羌绣·羊角花围腰（品牌改编版） Qiang embroidery adapted for a brand",
    description: "经许可改编的羌绣纹样。A licensed adaptation of a Qiang embroidery pattern.",
    i18n: { zh: { name: "羌绣·羊角花围腰（品牌改编版）" }, en: { name: "Qiang embroidery adapted for a brand" } },
    creator: [{ "@type": "Organization", name: "Brand studio" }],
    dateCreated: "2026",
    genre: "Qiang embroidery",
    content: {
      sha256: derivativeFile.sha256 as Hex,
      cid: derivativeFile.cid,
      size: derivativeFile.size,
      mediaType: derivativeFile.mediaType,
    },
  });
  const { data: derivativeCid } = await api.POST("/api/metadata", { body: derivativeMeta as never });
  await send(brand, "registry", "register", [
    {
      to: brand.address,
      contentHash: derivativeFile.sha256,
      metadataCid: cidToHex(derivativeCid?.cid as string),
      royaltyReceiver: brand.address,
      royaltyBps: 300,
      parents: [works[0]?.id],
    },
  ]);

  log("a pledge, a dispute, a sale on the exchange");
  const pledged = works[10] as (typeof works)[number];
  await send(pledged.creator, "registry", "pledge", [
    pledged.id,
    lender.address,
    BigInt(Math.floor(Date.now() / 1000) + 180 * DAY),
    "0x",
  ]);
  const [admin] = (await pub.request({ method: "eth_accounts" as never })) as Address[];
  const arbiter = (await pub.readContract({ ...contracts.registry, functionName: "ARBITER_ROLE" } as never)) as Hex;
  await send(admin as Address, "registry", "grantRole", [arbiter, admin]);
  const evidence = await upload(new TextEncoder().encode("争议说明 A claim of earlier authorship (demonstration)"));
  await send(admin as Address, "registry", "flagDispute", [
    (works[20] as (typeof works)[number]).id,
    cidToHex(evidence.cid),
  ]);
  const sold = works[30] as (typeof works)[number];
  await send(sold.creator, "registry", "setApprovalForAll", [deployment.exchange, true]);
  await send(sold.creator, "exchange", "listWork", [sold.id, ZERO, 5_000n * 1_000_000n * GWEI, 0]);
  const title = (await pub.readContract({
    ...contracts.registry,
    functionName: "titleOf",
    args: [sold.id],
  } as never)) as {
    encumbrances: number;
  };
  await send(
    buyer,
    "exchange",
    "buyWork",
    [sold.id, ZERO, 5_000n * 1_000_000n * GWEI, title.encumbrances],
    5_000n * 1_000_000n * GWEI,
  );

  log("a private batch: five designs committed by an artisan without coin, then revealed");
  const dir = await mkdtemp(join(tmpdir(), "titlechain-demo-"));
  try {
    const folder = join(dir, "weaving");
    await mkdir(folder);
    for (let i = 0; i < 5; i++) {
      await writeFile(join(folder, `织锦-${i + 1}.png`), encodePng(generateDesign(8_000 + i, 192)).bytes);
    }
    await writeFile(join(dir, "key"), generatePrivateKey());
    const cli = new URL("../cli/main.ts", import.meta.url).pathname;
    const env = { ...process.env, TITLECHAIN_SERVER: serverUrl };
    const args = [cli, "register", folder, "--key-file", join(dir, "key"), "--json"];
    await run(process.execPath, [...args, "--private"], { env });
    await run(process.execPath, args, { env });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  log("seeded: 51 works, 6 profiles, licences, a split, a deed, a derivative, a pledge, a dispute, a sale, a batch");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [serverUrl, chainUrl] = process.argv.slice(2);
  if (!serverUrl || !chainUrl) {
    process.stderr.write("Usage: node scripts/demo.ts <server URL> <chain RPC URL>\n");
    process.exit(2);
  }
  await seedDemo(serverUrl, chainUrl);
}
