// Works: search (bilingual full text, filters, sort, cursor pages) and one work's detail.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { searchWorks } from "../../indexer/search.ts";
import type { ApiDeps } from "../deps.ts";
import { notFound } from "../errors.ts";
import { workDetail } from "../queries/work-detail.ts";
import { Address, Amount, Cid, errors, Hash, Time, WorkId, WorkIdParam, workIdOf } from "../schemas.ts";

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Text = Type.String();

const SearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "free text, Chinese or English" })),
    creator: Type.Optional(Address),
    technique: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    region: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    registeredFrom: Type.Optional(Type.String({ format: "date-time", description: "registered at or after" })),
    registeredTo: Type.Optional(Type.String({ format: "date-time", description: "registered before" })),
    licensableNow: Type.Optional(Type.Boolean({ description: "only works a licence can be bought of now" })),
    priceMin: Type.Optional(Amount),
    priceMax: Type.Optional(Amount),
    currency: Type.Optional(Address),
    hasDerivatives: Type.Optional(Type.Boolean()),
    sort: Type.Optional(Type.Union([Type.Literal("relevance"), Type.Literal("newest"), Type.Literal("oldest")])),
    cursor: Type.Optional(Type.String({ maxLength: 500, description: "`next` of the previous page" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);

const SearchPage = Type.Object({
  works: Type.Array(
    Type.Object({
      workId: WorkId,
      name: Nullable(Text),
      creator: Address,
      owner: Address,
      technique: Nullable(Text),
      registeredAt: Time,
      score: Type.Number({ description: "similarity to q, 0 to 1; 1 without q" }),
    }),
  ),
  next: Type.Union([Type.String(), Type.Null()], { description: "the cursor of the next page; null on the last" }),
});

const Bilingual = Type.Object({ en: Text, zh: Text });

const Offer = Type.Object({
  offerIndex: Type.Integer(),
  licensor: Address,
  state: Type.Union(
    [
      Type.Literal("open"),
      Type.Literal("paused"),
      Type.Literal("closed"),
      Type.Literal("soldOut"),
      Type.Literal("ended"),
      Type.Literal("void"),
    ],
    { description: "void: made by an earlier holder of the work" },
  ),
  kind: Type.Union([Type.Literal("nonExclusive"), Type.Literal("sole"), Type.Literal("exclusive")]),
  uses: Type.Array(Text),
  fields: Type.Integer({ description: "bit set of fields of use (core/licence.ts fieldsOfUse)" }),
  territory: Type.Union([Type.Array(Text), Type.Null()], { description: "ISO 3166-1 codes; null: worldwide" }),
  start: Time,
  end: Type.Union([Time, Type.Null()], { description: "null: perpetual" }),
  durationSeconds: Type.Integer({ description: "renewable term; 0: the whole period" }),
  supply: Type.Integer({ description: "0: unlimited" }),
  sold: Type.Integer(),
  transferable: Type.Boolean(),
  derivativeRoyaltyBps: Type.Integer(),
  currency: Address,
  price: Amount,
  termsHash: Type.String(),
  legalText: Type.Object({ sha256: Hash, cid: Text }),
  words: Bilingual,
});

export const WorkDetail = Type.Object({
  workId: WorkId,
  contentHash: Hash,
  chainId: Type.Integer(),
  creator: Address,
  owner: Address,
  registeredAt: Time,
  recordedAt: Time,
  priorityClaimsCloseAt: Type.String({
    format: "date-time",
    description: "after this, no earlier commitment can take the title (first to file)",
  }),
  royalty: Type.Object({ receiver: Address, bps: Type.Integer() }),
  parents: Type.Array(WorkId),
  derivatives: Type.Array(WorkId, { description: "the first 100, oldest first" }),
  metadata: Type.Object({
    cid: Cid,
    status: Type.Union([
      Type.Literal("pending"),
      Type.Literal("ok"),
      Type.Literal("invalid"),
      Type.Literal("unavailable"),
    ]),
    error: Nullable(Text),
    name: Nullable(Text),
    nameZh: Nullable(Text),
    nameEn: Nullable(Text),
    description: Nullable(Text),
    technique: Nullable(Text),
    region: Nullable(Text),
    tags: Type.Array(Text),
  }),
  content: Type.Union([Type.Object({ cid: Cid, mediaType: Text }), Type.Null()], {
    description:
      "the work's file as its metadata names it (its declared type: untrusted); null until the metadata is read",
  }),
  pledge: Type.Union([
    Type.Object({ pledgee: Address, maturity: Nullable(Time), licenceSalesConsented: Type.Boolean() }),
    Type.Null(),
  ]),
  disputed: Type.Boolean(),
  nearDuplicates: Type.Array(Type.Object({ workId: WorkId, distance: Type.Integer() }), {
    description: "registered works whose image is perceptually near this one's (bits apart, nearest first): prior art",
  }),
  owesDerivativeRoyalties: Type.Boolean(),
  moves: Type.Integer(),
  encumbrances: Type.Integer({ description: "pass to buyWork as expectedEncumbrances" }),
  offers: Type.Array(Offer),
  listing: Type.Union([
    Type.Object({
      seller: Address,
      currency: Address,
      price: Amount,
      expiry: Type.Union([Time, Type.Null()], { description: "null: until withdrawn" }),
    }),
    Type.Null(),
  ]),
});

const seconds = (time: string | undefined) => (time === undefined ? undefined : Math.floor(Date.parse(time) / 1000));

export const worksRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    "/works",
    {
      schema: {
        tags: ["works"],
        summary: "Search works",
        description:
          "Full text in Chinese or English over titles, descriptions, creators, technique, region and tags, with " +
          "filters; pages by cursor, never repeating or skipping a work while new ones arrive.",
        querystring: SearchQuery,
        response: { 200: SearchPage, ...errors(400, 429) },
      },
    },
    async (request) => {
      const q = request.query;
      const { hits, next } = await searchWorks(deps.db, {
        chainId: deps.chain.chainId,
        ...(q.q !== undefined && { q: q.q }),
        ...(q.creator !== undefined && { creator: q.creator }),
        ...(q.technique !== undefined && { technique: q.technique }),
        ...(q.region !== undefined && { region: q.region }),
        ...(q.registeredFrom !== undefined && { registeredFrom: seconds(q.registeredFrom) as number }),
        ...(q.registeredTo !== undefined && { registeredTo: seconds(q.registeredTo) as number }),
        ...(q.licensableNow !== undefined && { licensableNow: q.licensableNow }),
        ...(q.priceMin !== undefined && { priceMin: q.priceMin }),
        ...(q.priceMax !== undefined && { priceMax: q.priceMax }),
        ...(q.currency !== undefined && { currency: q.currency }),
        ...(q.hasDerivatives !== undefined && { hasDerivatives: q.hasDerivatives }),
        ...(q.sort !== undefined && { sort: q.sort }),
        ...(q.cursor !== undefined && { cursor: q.cursor }),
        limit: q.limit ?? 20,
      });
      return {
        works: hits.map((h) => ({ ...h, registeredAt: new Date(h.registeredAt * 1000).toISOString() })),
        next,
      };
    },
  );

  app.get(
    "/works/:workId",
    {
      schema: {
        tags: ["works"],
        summary: "One work: record, metadata, owner, lineage, licence offers in words, pledge and dispute status",
        params: Type.Object({ workId: WorkIdParam }),
        response: { 200: WorkDetail, ...errors(400, 404, 429) },
      },
    },
    async (request) => {
      const detail = await workDetail(deps.db, deps.chain.chainId, workIdOf(request.params.workId));
      if (!detail) throw notFound(`work ${request.params.workId}`);
      return detail;
    },
  );
};
