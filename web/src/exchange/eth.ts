// Amounts in ether: what a person types to wei, and a date field's day to the contracts' expiry (Unix seconds).
import { parseUnits } from "viem";

/** The native coin's currency address, as the contracts and the API name it. */
export const NATIVE = "0x0000000000000000000000000000000000000000" as const;

/** The contracts keep prices in 128 bits. */
const MAX_PRICE = 2n ** 128n - 1n;

/**
 * Wei from typed ether: digits with at most 18 decimals, a dot or a lone comma as the decimal point, commas grouping
 * thousands and spaces ignored. Null for anything else, zero, or more than a price can hold.
 */
export function parseEth(text: string): bigint | null {
  let s = text.trim().replace(/[\s_\u00a0\u202f]/g, "");
  if (/^\d{1,3}(,\d{3})+(\.\d*)?$/.test(s)) s = s.replaceAll(",", "");
  else if (/^\d*,\d+$/.test(s)) s = s.replace(",", ".");
  if (!/^(\d+(\.\d{0,18})?|\.\d{1,18})$/.test(s)) return null;
  const wei = parseUnits(s.endsWith(".") ? s.slice(0, -1) : s, 18);
  return wei > 0n && wei <= MAX_PRICE ? wei : null;
}

/**
 * The expiry of a listing or a bid that lasts through `day` (a date field's `YYYY-MM-DD`, in the reader's time zone):
 * the end of that day in seconds; 0 (no end) for an empty field; null for a day already over or no date at all.
 */
export function expiryOf(day: string, now = Date.now()): number | null {
  if (day.trim() === "") return 0;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const end = new Date(`${day}T23:59:59`).getTime();
  return Number.isNaN(end) || end <= now ? null : Math.floor(end / 1000);
}
