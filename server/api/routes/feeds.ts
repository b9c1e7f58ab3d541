// Atom feeds of new works, per creator, per technique or per saved search: anyone follows without an account.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Feed } from "feed";
import { Type } from "typebox";
import { searchWorks } from "../../indexer/search.ts";
import type { ApiDeps, ApiOptions } from "../deps.ts";
import { Address, errors } from "../schemas.ts";

/**
 * Text as HTML that shows it literally. The feed library marks titles and summaries `type="html"`, which readers
 * render: untrusted metadata must reach them escaped, never as markup.
 */
export function htmlText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Entries per feed: the newest works matching. */
export const FEED_ENTRIES = 50;

export const feedRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps; options: ApiOptions }> = async (
  app,
  { deps, options },
) => {
  app.get(
    "/feeds/works.atom",
    {
      schema: {
        tags: ["feeds"],
        summary: "An Atom feed of the newest registered works, optionally of one creator, technique or search",
        description: `The newest ${FEED_ENTRIES} works matching; a saved search is its q and filters as parameters.`,
        querystring: Type.Object(
          {
            creator: Type.Optional(Address),
            technique: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            region: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        produces: ["application/atom+xml"],
        response: { 200: Type.Any({ description: "an Atom 1.0 document" }), ...errors(400, 429) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const { hits } = await searchWorks(deps.db, {
        chainId: deps.chain.chainId,
        sort: "newest",
        limit: FEED_ENTRIES,
        ...(q.creator !== undefined && { creator: q.creator }),
        ...(q.technique !== undefined && { technique: q.technique }),
        ...(q.region !== undefined && { region: q.region }),
        ...(q.q !== undefined && { q: q.q }),
      });
      // The configured public address; else the one the request came to (through trusted proxies' headers).
      const origin = options.publicUrl?.replace(/\/+$/, "") ?? `${request.protocol}://${request.host}`;
      const self = `${origin}${request.url}`;
      const what = [
        q.creator && `by ${q.creator}`,
        q.technique && `in ${q.technique}`,
        q.region && `from ${q.region}`,
        q.q && `matching “${q.q}”`,
      ].filter(Boolean);
      const feed = new Feed({
        id: self,
        title: htmlText(`Titlechain: new works${what.length ? ` ${what.join(", ")}` : ""}`),
        link: origin,
        feedLinks: { atom: self },
        updated: hits[0] ? new Date(hits[0].registeredAt * 1000) : new Date(0),
        generator: false,
        copyright: "Each work belongs to its holder on chain",
      });
      for (const h of hits) {
        const link = `${origin}/api/works/${h.workId}`;
        feed.addItem({
          id: `urn:titlechain:${deps.chain.chainId}:work:${h.workId}`,
          title: htmlText(h.name ?? `Work ${h.workId}`),
          link,
          date: new Date(h.registeredAt * 1000),
          description: htmlText([h.technique, `registered by ${h.creator}`].filter(Boolean).join(" · ")),
          author: [{ name: h.creator }],
        });
      }
      return reply.type("application/atom+xml; charset=utf-8").send(feed.atom1());
    },
  );
};
