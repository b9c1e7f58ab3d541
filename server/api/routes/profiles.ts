// Creator profiles: set only by the account itself (an EIP-712 signature), shown with the creator's works and sales.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { type Address, type Hex, type PublicClient, verifyTypedData } from "viem";
import { profileTypedData } from "../../../core/eip712.ts";
import { AVATAR_MAX_BYTES } from "../../../core/media-types.ts";
import { ContentError } from "../../content/index.ts";
import type { ApiDeps } from "../deps.ts";
import { ApiError, notFound } from "../errors.ts";
import { Address as AddressSchema, errors, WorkId } from "../schemas.ts";

/** How far in the future a profile's `issuedAt` may be (clock skew), in seconds. */
const SKEW = 300;
/** At most this many works are listed in a profile's portfolio (search by creator lists them all). */
export const PORTFOLIO_LIMIT = 100;

const Text = (maxLength: number) => Type.String({ maxLength });
const ProfileFields = {
  nameZh: Text(100),
  nameEn: Text(100),
  craft: Text(100),
  region: Text(100),
  bio: Text(2000),
  avatarCid: Type.String({ maxLength: 200, pattern: "^([A-Za-z0-9]{10,200})?$" }),
  links: Type.Array(Type.String({ maxLength: 300, pattern: "^https://" }), { maxItems: 8 }),
};

const Profile = Type.Object({
  account: AddressSchema,
  ...ProfileFields,
  issuedAt: Type.String({ format: "date-time" }),
  signature: Type.String({ description: "the account's EIP-712 signature of the profile: check it yourself" }),
});

const ProfilePage = Type.Object({
  account: AddressSchema,
  profile: Type.Union([Profile, Type.Null()]),
  works: Type.Array(Type.Object({ workId: WorkId, name: Type.Union([Type.String(), Type.Null()]) }), {
    description: `works it created, newest first (at most ${PORTFOLIO_LIMIT})`,
  }),
  worksCreated: Type.Integer(),
  sales: Type.Object({ count: Type.Integer(), asSeller: Type.Integer(), asBuyer: Type.Integer() }),
});

/**
 * Whether `account` is a contract that accepts the signature (ERC-1271 `isValidSignature`). A node that does not
 * answer gives 503 (try again), never a refusal.
 */
async function signedByContract(
  deps: ApiDeps,
  typed: Parameters<typeof verifyTypedData>[0],
  account: Address,
): Promise<boolean> {
  if (!deps.client) return false;
  try {
    const code = await deps.client.getCode({ address: account });
    if (!code || code === "0x") return false;
    return await deps.client.verifyTypedData(typed as Parameters<PublicClient["verifyTypedData"]>[0]);
  } catch {
    throw new ApiError(503, "ChainUnavailable", "the chain did not answer to check the contract account's signature");
  }
}

/**
 * Checks the profile's picture: a CID, and at most {@link AVATAR_MAX_BYTES} when it was uploaded here (the upload
 * collector keeps what a profile names). A picture kept elsewhere is left alone.
 */
async function checkAvatar(deps: ApiDeps, cid: string): Promise<void> {
  if (cid === "") return;
  try {
    if (!(await deps.store.has(cid))) return;
    const { size } = await deps.store.stat(cid);
    if (size > AVATAR_MAX_BYTES) {
      throw new ApiError(
        400,
        "InvalidField",
        `body.avatarCid names a file of ${size} bytes; a picture may have ${AVATAR_MAX_BYTES}`,
        "body.avatarCid",
      );
    }
  } catch (error) {
    if (error instanceof ContentError && error.code === "InvalidCid") {
      throw new ApiError(400, "InvalidCid", "body.avatarCid is not a CID", "body.avatarCid");
    }
    throw error;
  }
}

export const profileRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.put(
    "/profiles/:account",
    {
      schema: {
        tags: ["profiles"],
        summary: "Set an account's profile, signed by that account (EIP-712 Profile); a newer signature replaces it",
        params: Type.Object({ account: AddressSchema }),
        body: Type.Object({
          ...ProfileFields,
          issuedAt: Type.String({ pattern: "^[0-9]{1,12}$", description: "Unix seconds; must grow" }),
          signature: Type.String({
            pattern: "^0x([0-9a-fA-F]{2}){65,1024}$",
            description: "65 bytes from an externally owned account; a contract account's own format (ERC-1271)",
          }),
        }),
        response: { 200: Profile, ...errors(400, 403, 409, 429, 503) },
      },
    },
    async (request) => {
      const { chainId, registry } = deps.chain;
      const account = request.params.account.toLowerCase() as Address;
      const b = request.body;
      const issuedAt = BigInt(b.issuedAt);
      if (issuedAt > BigInt(Math.floor(Date.now() / 1000) + SKEW)) {
        throw new ApiError(400, "InvalidField", "body.issuedAt is in the future", "body.issuedAt");
      }
      const message = {
        account,
        nameZh: b.nameZh,
        nameEn: b.nameEn,
        craft: b.craft,
        region: b.region,
        bio: b.bio,
        avatarCid: b.avatarCid,
        links: b.links,
        issuedAt,
      };
      const typed = {
        address: account,
        ...profileTypedData({ chainId, registry, message }),
        signature: b.signature as Hex,
      };
      // An externally owned account's signature is checked here; a contract account's (ERC-1271, such as a
      // cooperative's multisig) by asking the chain.
      const valid = (await verifyTypedData(typed).catch(() => false)) || (await signedByContract(deps, typed, account));
      if (!valid)
        throw new ApiError(403, "InvalidSignature", `the profile is not signed by ${account}`, "body.signature");
      await checkAvatar(deps, b.avatarCid);
      const [stored] = await deps.db.query(
        "insert into profiles (chain_id, account, name_zh, name_en, craft, region, bio, avatar_cid, links, issued_at, " +
          "signature) values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11) on conflict (chain_id, account) do " +
          "update set name_zh = excluded.name_zh, name_en = excluded.name_en, craft = excluded.craft, region = " +
          "excluded.region, bio = excluded.bio, avatar_cid = excluded.avatar_cid, links = excluded.links, issued_at = " +
          "excluded.issued_at, signature = excluded.signature, updated_at = now() where profiles.issued_at < " +
          "excluded.issued_at returning 1",
        [
          chainId,
          account,
          b.nameZh,
          b.nameEn,
          b.craft,
          b.region,
          b.bio,
          b.avatarCid,
          JSON.stringify(b.links),
          b.issuedAt,
          b.signature.toLowerCase(),
        ],
      );
      if (!stored) throw new ApiError(409, "Stale", "a profile signed later is already stored", "body.issuedAt");
      return { account, ...profileOut(b), issuedAt: new Date(Number(issuedAt) * 1000).toISOString() };
    },
  );

  app.get(
    "/profiles/:account",
    {
      schema: {
        tags: ["profiles"],
        summary: "A creator's page: the profile it signed, its works and its sales",
        params: Type.Object({ account: AddressSchema }),
        response: { 200: ProfilePage, ...errors(400, 404, 429) },
      },
    },
    async (request) => {
      const { chainId } = deps.chain;
      const account = request.params.account.toLowerCase();
      const [profiles, works, counts] = await Promise.all([
        deps.db.query("select * from profiles where chain_id = $1 and account = $2", [chainId, account]),
        deps.db.query<{ work_id: string; name: string | null }>(
          "select w.work_id::text as work_id, w.name from works w where w.chain_id = $1 and w.creator = $2 order by " +
            `w.registered_at desc, w.work_id desc limit ${PORTFOLIO_LIMIT}`,
          [chainId, account],
        ),
        deps.db.query<{ created: number; sold: number; bought: number }>(
          "select (select count(*)::int from works where chain_id = $1 and creator = $2) as created, (select " +
            "count(*)::int from work_sales where chain_id = $1 and seller = $2) as sold, (select count(*)::int from " +
            "work_sales where chain_id = $1 and buyer = $2) as bought",
          [chainId, account],
        ),
      ]);
      const p = profiles[0];
      const c = counts[0] ?? { created: 0, sold: 0, bought: 0 };
      if (!p && c.created === 0 && c.sold + c.bought === 0) throw notFound(`creator ${account}`);
      return {
        account,
        profile: p
          ? {
              account,
              nameZh: String(p["name_zh"]),
              nameEn: String(p["name_en"]),
              craft: String(p["craft"]),
              region: String(p["region"]),
              bio: String(p["bio"]),
              avatarCid: String(p["avatar_cid"]),
              links: p["links"] as string[],
              issuedAt: new Date(Number(p["issued_at"]) * 1000).toISOString(),
              signature: String(p["signature"]),
            }
          : null,
        works: works.map((w) => ({ workId: w.work_id, name: w.name })),
        worksCreated: c.created,
        sales: { count: c.sold + c.bought, asSeller: c.sold, asBuyer: c.bought },
      };
    },
  );
};

function profileOut(b: {
  nameZh: string;
  nameEn: string;
  craft: string;
  region: string;
  bio: string;
  avatarCid: string;
  links: string[];
  signature: string;
}) {
  return {
    nameZh: b.nameZh,
    nameEn: b.nameEn,
    craft: b.craft,
    region: b.region,
    bio: b.bio,
    avatarCid: b.avatarCid,
    links: b.links,
    signature: b.signature.toLowerCase(),
  };
}
