// The registration form's fields and the work metadata they make (validated by the server, which names each bad field).
import type { Hex } from "viem";
import type { Stored } from "./upload.ts";

export type WorkForm = {
  nameZh: string;
  nameEn: string;
  descriptionZh: string;
  descriptionEn: string;
  technique: string;
  region: string;
  creatorName: string;
  /** The royalty on resales, in percent as typed (e.g. "5" or "2.5"). */
  royaltyPercent: string;
  /** Co-owners sharing the licence revenue, each with a percent as typed; the creator keeps the rest. */
  coOwners: { account: string; percent: string }[];
};

export const emptyForm: WorkForm = {
  nameZh: "",
  nameEn: "",
  descriptionZh: "",
  descriptionEn: "",
  technique: "",
  region: "",
  creatorName: "",
  royaltyPercent: "5",
  coOwners: [],
};

/** Highest royalty the form accepts: the registry allows up to 100%, but no resale market would pay it. */
export const MAX_ROYALTY_PERCENT = 50;

const ACCOUNT = /^0x[0-9a-fA-F]{40}$/;
/** A percent with at most two decimals, as basis points; null when it is not one. */
const bpsOf = (text: string): number | null => {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || Math.round(value * 100) !== value * 100) return null;
  return Math.round(value * 100);
};

/** The form's own checks (the server validates the metadata itself): field name → message key. */
export function formProblems(form: WorkForm, creator?: string): Partial<Record<keyof WorkForm, string>> {
  const problems: Partial<Record<keyof WorkForm, string>> = {};
  let shared = 0;
  const seen = new Set([creator?.toLowerCase()]);
  for (const c of form.coOwners) {
    const bps = bpsOf(c.percent);
    if (!ACCOUNT.test(c.account.trim()) || seen.has(c.account.trim().toLowerCase()))
      problems.coOwners = "register.badCoOwner";
    else if (bps === null || bps <= 0) problems.coOwners = "register.badShare";
    seen.add(c.account.trim().toLowerCase());
    shared += bps ?? 0;
  }
  if (!problems.coOwners && shared >= 10_000) problems.coOwners = "register.sharesTooLarge";
  if (form.nameZh.trim() === "" && form.nameEn.trim() === "") problems.nameZh = "register.needName";
  const royalty = Number(form.royaltyPercent);
  if (form.royaltyPercent.trim() === "" || !Number.isFinite(royalty) || royalty < 0 || royalty > MAX_ROYALTY_PERCENT) {
    problems.royaltyPercent = "register.badRoyalty";
  } else if (Math.round(royalty * 100) !== royalty * 100) problems.royaltyPercent = "register.badRoyalty";
  return problems;
}

/** The royalty in basis points (1/100 of a percent), as the registry takes it. */
export function royaltyBps(form: WorkForm): number {
  return Math.round(Number(form.royaltyPercent) * 100);
}

const clean = (text: string) => text.trim();

/** The metadata document of the work: names and descriptions in each language given, technique, region, file. */
export function metadataOf(form: WorkForm, creator: Hex, content: Stored, today = new Date()) {
  const zh = clean(form.nameZh);
  const en = clean(form.nameEn);
  const dZh = clean(form.descriptionZh);
  const dEn = clean(form.descriptionEn);
  const i18n: Record<string, { name: string; description?: string }> = {};
  if (zh !== "") i18n["zh"] = { name: zh, ...(dZh !== "" ? { description: dZh } : {}) };
  if (en !== "") i18n["en"] = { name: en, ...(dEn !== "" ? { description: dEn } : {}) };
  return {
    "@context": "https://schema.org",
    "@type": "CreativeWork",
    schemaVersion: 1,
    name: [zh, en].filter((n) => n !== "").join(" "),
    description: [dZh, dEn].filter((d) => d !== "").join("\n\n"),
    i18n,
    creator: [{ "@type": "Person", name: clean(form.creatorName) || creator, address: creator }],
    dateCreated: today.toISOString().slice(0, 10),
    ...(clean(form.technique) !== "" ? { genre: clean(form.technique) } : {}),
    ...(clean(form.region) !== ""
      ? { locationCreated: { addressRegion: clean(form.region), addressCountry: "CN" } }
      : {}),
    content: { sha256: content.sha256, cid: content.cid, size: content.size, mediaType: content.mediaType },
  };
}

/** The form field a metadata violation's JSON pointer is about, if the form has one. */
export function fieldOfPointer(pointer: string): keyof WorkForm | null {
  if (pointer.startsWith("/i18n/zh/name") || pointer === "/name") return "nameZh";
  if (pointer.startsWith("/i18n/en/name")) return "nameEn";
  if (pointer.startsWith("/i18n/zh/description") || pointer === "/description") return "descriptionZh";
  if (pointer.startsWith("/i18n/en/description")) return "descriptionEn";
  if (pointer.startsWith("/genre")) return "technique";
  if (pointer.startsWith("/locationCreated")) return "region";
  if (pointer.startsWith("/creator")) return "creatorName";
  return null;
}

/** The licence revenue's payees: each co-owner's share and the creator's remainder (10,000 basis points in all). */
export function payeesOf(form: WorkForm, creator: Hex): { account: Hex; shareBps: number }[] {
  if (form.coOwners.length === 0) return [];
  const others = form.coOwners.map((c) => ({ account: c.account.trim() as Hex, shareBps: bpsOf(c.percent) ?? 0 }));
  const rest = 10_000 - others.reduce((sum, p) => sum + p.shareBps, 0);
  return [{ account: creator, shareBps: rest }, ...others];
}
