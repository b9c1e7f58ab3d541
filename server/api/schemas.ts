// The JSON Schemas shared by the API's routes (TypeBox): identifiers, amounts, times, pages and the problem document.
import { type TSchema, Type } from "typebox";

/** A work id: its file's sha256 as 0x-hex, or the same number in decimal. */
export const WorkIdParam = Type.String({
  pattern: "^(0x[0-9a-fA-F]{64}|[0-9]{1,78})$",
  description: "the work's id: the sha256 of its file as 0x-prefixed hex, or the same number in decimal",
  examples: ["0x5f1c3b2e9d0a8f7e6d5c4b3a29180706f5e4d3c2b1a09f8e7d6c5b4a39281706"],
});

/** A work id in answers: decimal, as the contracts' uint256. */
export const WorkId = Type.String({ pattern: "^[0-9]{1,78}$", description: "work id (decimal uint256)" });
export const Address = Type.String({ pattern: "^0x[0-9a-fA-F]{40}$", description: "an EVM address" });
export const Hash = Type.String({ pattern: "^0x[0-9a-fA-F]{64}$", description: "32 bytes as 0x-hex" });
export const Amount = Type.String({ pattern: "^[0-9]{1,78}$", description: "an amount in base units (decimal)" });
export const Cid = Type.String({ minLength: 1, maxLength: 200, description: "a CIDv1" });
export const Time = Type.String({ format: "date-time", description: "an ISO 8601 time (UTC)" });

export const Problem = Type.Object(
  {
    status: Type.Integer(),
    code: Type.String({ description: "a stable code: InvalidField, NotFound, TooLarge, RateLimited, ..." }),
    title: Type.String(),
    detail: Type.String({ description: "what went wrong, in words" }),
    field: Type.Optional(Type.String({ description: "the field at fault, as where.path (query.limit, body.name)" })),
    requestId: Type.Optional(
      Type.String({ description: "a relay refusal: the request already made for this file or commitment" }),
    ),
  },
  { $id: "Problem", description: "An RFC 9457 problem document" },
);

/** The error responses every route may give. */
export const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, Type.Ref("Problem")])) as Record<number, TSchema>;

/** Turns a work id parameter into its decimal form. */
export function workIdOf(param: string): string {
  return BigInt(param).toString();
}

/** Unix seconds (number or numeric string from the database) to an ISO time, or null. */
export function iso(seconds: unknown): string | null {
  if (seconds === null || seconds === undefined) return null;
  const n = Number(seconds);
  return Number.isFinite(n) && n < 8.64e12 ? new Date(n * 1000).toISOString() : null;
}
