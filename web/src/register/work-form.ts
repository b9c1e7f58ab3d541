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
};

/** Highest royalty the form accepts: the registry allows up to 100%, but no resale market would pay it. */
export const MAX_ROYALTY_PERCENT = 50;

/** The form's own checks (the server validates the metadata itself): field name → message key. */
export function formProblems(form: WorkForm): Partial<Record<keyof WorkForm, string>> {
  const problems: Partial<Record<keyof WorkForm, string>> = {};
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
