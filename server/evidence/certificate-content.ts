// What a work's certificate says, in Chinese and English, from its evidence bundle alone: a model the PDF draws.
import type { EvidenceBundle } from "../../core/evidence/bundle.ts";
import type { EvidenceEvent } from "../../core/evidence/title-logs.ts";
import { validateWorkMetadata, type WorkMetadata } from "../../core/metadata.ts";

/** The operator's statement printed on every certificate (from configuration). */
export type OperatorStatement = {
  /** The operator's legal name. */
  legalName: string;
  /** Its filing or registration number with the authority that supervises it ("none" when it has none). */
  filingNumber: string;
  /** Which chain nodes the operator runs or relies on. */
  nodes: string;
  /** Conflicts of interest: whether the operator trades in the works it records. */
  conflicts: string;
};

/** A labelled value: the label in both languages, the value as data (drawn as text, never interpreted). */
export type Field = { zh: string; en: string; value: string };
export type TitleLine = { date: string; zh: string; en: string; detail: string; transaction: string };

export type CertificateModel = {
  heading: { zh: string; en: string };
  /** The fields of a copyright registration certificate. */
  work: Field[];
  /** Where and how the evidence is on chain. */
  chain: Field[];
  titleSummary: TitleLine[];
  /** Verification steps, each in both languages. */
  instructions: { zh: string; en: string }[];
  operator: Field[];
  disclaimer: { zh: string; en: string };
  verifyUrl: string;
  manifestHash: string;
  /** When the bundle was made: the certificate's date, so that the same bundle gives the same document. */
  date: string;
  software: string;
};

/** The kinds of title events in Chinese (the English is the kind itself, spelled out). */
const KIND_NAMES: Record<string, [string, string]> = {
  registration: ["登记", "registration"],
  reveal: ["揭示承诺", "commitment revealed"],
  commitment: ["提交承诺", "commitment"],
  batchAnchor: ["批量承诺", "batch commitment"],
  priorityClaim: ["优先权主张", "priority claim"],
  derivation: ["演绎作品", "derivative of"],
  transfer: ["权属转移", "transfer of title"],
  assignmentDeed: ["转让契据", "deed of assignment"],
  metadataChange: ["元数据变更", "metadata changed"],
  pledge: ["质押", "pledge"],
  pledgeReleased: ["解除质押", "pledge released"],
  pledgeForeclosed: ["质押实现", "pledge foreclosed"],
  disputeFlagged: ["争议登记", "dispute flagged"],
  disputeCleared: ["争议解除", "dispute cleared"],
  offerCreated: ["许可要约", "licence offer"],
  offerRepriced: ["要约调价", "offer repriced"],
  offerStatusChanged: ["要约状态变更", "offer status changed"],
  licencePurchased: ["许可授予", "licence granted"],
  licenceRenewed: ["许可续期", "licence renewed"],
  licenceTerminated: ["许可终止", "licence terminated"],
  licenceSurrendered: ["许可放弃", "licence surrendered"],
  licenceTransferred: ["许可转让", "licence transferred"],
  sublicenceIssued: ["分许可", "sublicence issued"],
  splitsSet: ["收益分配设定", "revenue split set"],
  revenueReleased: ["收益发放", "revenue released"],
  listed: ["挂牌出售", "listed for sale"],
  listingCancelled: ["撤销挂牌", "listing cancelled"],
  sale: ["作品出售", "sale"],
  bidPlaced: ["出价", "bid placed"],
  bidWithdrawn: ["撤回出价", "bid withdrawn"],
};

const short = (hex: string) => (hex.length > 20 ? `${hex.slice(0, 10)}…${hex.slice(-8)}` : hex);
const day = (iso: string | null) => (iso ? iso.slice(0, 10) : "—");
const time = (iso: string) => `${iso.slice(0, 19).replace("T", " ")} UTC`;

/** Who, to whom, how much: the arguments worth a line. */
function detailOf(e: EvidenceEvent): string {
  const keys = ["creator", "from", "to", "licensee", "holder", "pledgee", "buyer", "price"];
  return keys
    .filter((k) => typeof e.args[k] === "string")
    .map((k) => `${k} ${short(String(e.args[k]))}`)
    .join(", ");
}

function metadataOf(bundle: EvidenceBundle): WorkMetadata | null {
  const text = bundle.manifest.work.metadata;
  if (text === null) return null;
  try {
    const result = validateWorkMetadata(JSON.parse(text));
    return result.ok ? result.metadata : null;
  } catch {
    return null;
  }
}

/**
 * The certificate of the work in `bundle`, with the operator's statement and the address of the work's verify page.
 * Everything but those two comes from the bundle, so the same bundle always gives the same certificate.
 */
export function certificateModel(
  bundle: EvidenceBundle,
  operator: OperatorStatement,
  verifyUrl: string,
): CertificateModel {
  const m = bundle.manifest;
  const metadata = metadataOf(bundle);
  const titleZh = metadata?.i18n.zh?.name ?? metadata?.name ?? "（元数据不可读）";
  const titleEn = metadata?.i18n.en?.name ?? metadata?.name ?? "(metadata unreadable)";
  const registered = m.events.find((e) => e.event === "WorkRegistered");
  const authors = metadata?.creator.map((c) => c.name).join(", ") ?? "—";
  return {
    heading: { zh: "作品存证证书", en: "Certificate of Existence and Integrity of a Work" },
    work: [
      { zh: "作品名称", en: "Title", value: titleZh === titleEn ? titleZh : `${titleZh} / ${titleEn}` },
      { zh: "作品类别", en: "Category (technique)", value: metadata?.genre ?? "—" },
      { zh: "作者", en: "Author", value: `${authors} (${m.work.creator})` },
      { zh: "著作权人", en: "Owner", value: m.work.owner },
      { zh: "创作完成日期", en: "Date of completion", value: metadata?.dateCreated ?? "—" },
      { zh: "登记日期", en: "Date of registration", value: time(m.work.registeredAt) },
    ],
    chain: [
      { zh: "文件 SHA-256", en: "File SHA-256", value: m.work.contentHash },
      { zh: "文件 CID", en: "File CID", value: m.file.cid ?? "—" },
      { zh: "作品编号", en: "Work id", value: m.work.workId },
      { zh: "区块链", en: "Chain", value: `chain id ${m.chain.chainId}` },
      { zh: "登记合约", en: "Registry contract", value: m.chain.contracts.registry },
      { zh: "许可合约", en: "Licence ledger", value: m.chain.contracts.ledger },
      { zh: "交易所合约", en: "Exchange contract", value: m.chain.contracts.exchange },
      { zh: "登记交易", en: "Registration transaction", value: m.registration.transactionHash },
      {
        zh: "区块与时间",
        en: "Block and time",
        value: registered
          ? `${registered.blockNumber} (${registered.blockHash}), ${time(registered.at ?? m.work.registeredAt)}`
          : "—",
      },
      { zh: "证据清单哈希", en: "Manifest SHA-256", value: bundle.manifestHash },
      {
        zh: "时间戳",
        en: "RFC 3161 timestamps",
        value: bundle.timestamps.length
          ? bundle.timestamps.map((t) => `${t.authority} ${time(t.genTime)}`).join("; ")
          : "—",
      },
    ],
    titleSummary: [...(m.registration.anchor ? [m.registration.anchor] : []), ...m.events].map((e) => {
      const [zh, en] = KIND_NAMES[e.kind] ?? [e.kind, e.kind];
      return { date: day(e.at), zh, en, detail: detailOf(e), transaction: short(e.transactionHash) };
    }),
    instructions: [
      {
        zh: "1. 计算原始文件的 SHA-256（例如 sha256sum 文件名），应与上方“文件 SHA-256”一致。",
        en: "1. Compute the original file's SHA-256 (for example: sha256sum FILE); it must equal the File SHA-256 above.",
      },
      {
        zh: "2. 向任一该链节点请求登记交易的回执（eth_getTransactionReceipt），确认其区块号与区块哈希如上，且日志含 WorkRegistered，作品编号为文件哈希。",
        en: "2. Ask any node of the chain for the registration transaction's receipt (eth_getTransactionReceipt): its block number and hash are as above, and it logs WorkRegistered with the file's hash as work id.",
      },
      {
        zh: "3. 调用登记合约的 workOf(作品编号) 与 ownerOf(作品编号)，核对作者、登记时间与当前权利人。",
        en: "3. Call the registry's workOf(workId) and ownerOf(workId) to check the creator, the registration time and the current owner.",
      },
      {
        zh: "4. 使用证据包（JSON）运行 titlechain verify-evidence 证据包 --rpc 节点地址 --file 文件：逐项核验权利链、承诺、签名与时间戳，无需信任本平台。",
        en: "4. With the evidence bundle (JSON), run: titlechain verify-evidence BUNDLE --rpc NODE --file FILE. It checks the chain of title, commitment, signatures and timestamps step by step, trusting no Titlechain server.",
      },
      {
        zh: "5. 时间戳可用 openssl ts -verify 独立核验；本 PDF 的数字签名可用 pdfsig 等标准工具核验。",
        en: "5. The timestamp verifies with openssl ts -verify; this PDF's digital signature with a standard tool such as pdfsig.",
      },
    ],
    operator: [
      { zh: "运营者", en: "Operator", value: operator.legalName },
      { zh: "备案号", en: "Filing number", value: operator.filingNumber },
      { zh: "节点", en: "Nodes", value: operator.nodes },
      { zh: "利益冲突", en: "Conflicts of interest", value: operator.conflicts },
    ],
    disclaimer: {
      zh: "本证书证明上述文件于所示时间已经存在且此后未被改动，并记载其在区块链上的权利流转；它不是国家版权登记机关颁发的作品登记证书。",
      en: "This certificate proves that the file above existed at the time shown and has not changed since, and records its chain of title on the blockchain. It is not an official copyright registration certificate.",
    },
    verifyUrl,
    manifestHash: bundle.manifestHash,
    date: m.generatedAt,
    software: `${m.software.name} ${m.software.version}`,
  };
}
