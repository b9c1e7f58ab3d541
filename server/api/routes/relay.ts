// The gasless relay: creators sign, the platform submits (registration, commitment, reveal), status by id.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { Address, Hex } from "viem";
import { type AnchorRequest, type RelayRequest as AnyRelayRequest, MAX_REVEAL_BATCH } from "../../relayer/requests.ts";
import type { ApiDeps } from "../deps.ts";
import { ApiError, notFound } from "../errors.ts";
import { Address as AddressSchema, errors, Hash } from "../schemas.ts";

const Uint = Type.String({ pattern: "^[0-9]{1,78}$", description: "a uint256 in decimal" });
const Bytes = Type.String({ pattern: "^0x([0-9a-fA-F]{2}){0,512}$" });
const Signature = Type.String({ pattern: "^0x([0-9a-fA-F]{2}){64,2048}$", description: "the EIP-712 signature" });

const RegistrationFields = {
  creator: AddressSchema,
  to: AddressSchema,
  contentHash: Hash,
  metadataCid: Bytes,
  royaltyReceiver: AddressSchema,
  royaltyBps: Type.Integer({ minimum: 0, maximum: 10_000 }),
  parents: Type.Array(Uint, { maxItems: 16 }),
  nonce: Uint,
  deadline: Uint,
};

const Accepted = Type.Object({ id: Type.String(), status: Type.Literal("queued") });

const RelayStatus = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  status: Type.Union([
    Type.Literal("queued"),
    Type.Literal("submitted"),
    Type.Literal("mined"),
    Type.Literal("failed"),
  ]),
  final: Type.Boolean({
    description:
      "whether its block is final (64 blocks below the head); until then a reorg that takes the block away sends the " +
      "request back to submitted, and its very same transaction is sent again",
  }),
  creator: AddressSchema,
  contentHash: Type.Union([Hash, Type.Null()]),
  commitment: Type.Union([Hash, Type.Null()]),
  transactionHash: Type.Union([Hash, Type.Null()]),
  blockNumber: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()], { description: "why it failed, in words" }),
  batch: Type.Union(
    [
      Type.Object({
        submitter: AddressSchema,
        root: Hash,
        leaf: Hash,
        proof: Type.Array(Hash),
      }),
      Type.Null(),
    ],
    {
      description:
        "a batched commitment's batch, once formed: the submitter, root and Merkle proof a reveal from the batch " +
        "names (POST /api/relay/reveal with `batch`), valid once the batch is mined",
    },
  ),
  anchoredBy: Type.Union([AddressSchema, Type.Null()], {
    description:
      "for a folder's root (`leaves`), once mined: the relayer that anchored it, the submitter its reveals name",
  }),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
});

/** What a creator may ask for (anchors are the relayer's own). */
type RelayRequest = Exclude<AnyRelayRequest, AnchorRequest>;

type Fields = { [K in keyof typeof RegistrationFields]: unknown };

/** A registration struct from a request's fields. */
function registrationOf(m: Omit<Fields, "creator" | "nonce" | "deadline">) {
  return {
    to: m.to as Address,
    contentHash: m.contentHash as Hex,
    metadataCid: m.metadataCid as Hex,
    royaltyReceiver: m.royaltyReceiver as Address,
    royaltyBps: m.royaltyBps as number,
    parents: (m.parents as string[]).map(BigInt),
  };
}

function registerMessage(m: Fields) {
  return {
    ...registrationOf(m),
    creator: m.creator as Address,
    nonce: BigInt(m.nonce as string),
    deadline: BigInt(m.deadline as string),
  };
}

export const relayRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const relayer = () => {
    if (!deps.relayer) throw new ApiError(503, "NoRelayer", "this server relays nothing: no relayer key is configured");
    return deps.relayer;
  };
  const accept = async (request: RelayRequest, ip: string) => ({
    id: await relayer().enqueue(request, ip),
    status: "queued" as const,
  });
  const common = { tags: ["relay"], response: { 202: Accepted, ...errors(400, 409, 422, 429, 503) } };

  app.post(
    "/relay/register",
    {
      schema: {
        ...common,
        summary: "Relay a gasless registration signed by its creator (EIP-712 Register)",
        body: Type.Object({ message: Type.Object(RegistrationFields), signature: Signature }),
      },
    },
    async (request, reply) => {
      const { message, signature } = request.body;
      return reply
        .code(202)
        .send(
          await accept(
            { kind: "register", message: registerMessage(message), signature: signature as Hex },
            request.ip,
          ),
        );
    },
  );

  app.post(
    "/relay/commit",
    {
      schema: {
        ...common,
        summary: "Relay a private commitment (only its hash goes on chain); the creator signs a CommitRequest",
        description:
          "With `batch: true` the commitment is anchored with others under one Merkle root (one transaction for many " +
          "creators, within seconds); its status then gives the proof a reveal from the batch needs.",
        body: Type.Object({
          creator: AddressSchema,
          commitment: Hash,
          deadline: Uint,
          signature: Signature,
          batch: Type.Optional(Type.Boolean()),
          leaves: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 1_000_000,
              description:
                "the commitment is the Merkle root of this many of the creator's own leaves (a folder): anchored in a " +
                "transaction of its own, each file then revealed from it with its proof",
            }),
          ),
        }),
      },
    },
    async (request, reply) => {
      const b = request.body;
      if (b.leaves !== undefined && b.batch === true) {
        throw new ApiError(
          400,
          "InvalidField",
          "a folder's root (leaves) is anchored on its own, not batched",
          "batch",
        );
      }
      const relayRequest: RelayRequest = {
        kind: "commit",
        creator: b.creator as Address,
        commitment: b.commitment as Hex,
        deadline: BigInt(b.deadline),
        signature: b.signature as Hex,
        batched: b.batch === true,
        leaves: b.leaves,
      };
      return reply.code(202).send(await accept(relayRequest, request.ip));
    },
  );

  app.post(
    "/relay/reveal",
    {
      schema: {
        ...common,
        summary: "Relay a gasless reveal of a commitment, or of a leaf of an anchored batch (EIP-712 Reveal)",
        body: Type.Object({
          message: Type.Object({ ...RegistrationFields, salt: Hash }),
          signature: Signature,
          batch: Type.Optional(
            Type.Object({ submitter: AddressSchema, root: Hash, proof: Type.Array(Hash, { maxItems: 64 }) }),
          ),
        }),
      },
    },
    async (request, reply) => {
      const { message, signature, batch } = request.body;
      const relayRequest: RelayRequest = {
        kind: "reveal",
        message: { ...registerMessage(message), salt: message.salt as Hex },
        signature: signature as Hex,
        batch: batch && { submitter: batch.submitter as Address, root: batch.root as Hex, proof: batch.proof as Hex[] },
      };
      return reply.code(202).send(await accept(relayRequest, request.ip));
    },
  );

  const { creator: _c, nonce: _n, deadline: _d, ...ItemFields } = RegistrationFields;
  app.post(
    "/relay/reveal-batch",
    {
      schema: {
        ...common,
        summary: `Relay a gasless reveal of up to ${MAX_REVEAL_BATCH} leaves of one batch (EIP-712 RevealBatch)`,
        description:
          "A folder's designs, committed as leaves of one anchored batch, revealed in one transaction: the creator " +
          "signs one RevealBatch over every item (registration and salt, in order) with one nonce. Counts against " +
          "the creator's quota once per item.",
        body: Type.Object({
          message: Type.Object({
            creator: AddressSchema,
            items: Type.Array(Type.Object({ ...ItemFields, salt: Hash }), { minItems: 1, maxItems: MAX_REVEAL_BATCH }),
            submitter: AddressSchema,
            root: Hash,
            nonce: Uint,
            deadline: Uint,
          }),
          proofs: Type.Array(Type.Array(Hash, { maxItems: 64 }), { minItems: 1, maxItems: MAX_REVEAL_BATCH }),
          signature: Signature,
        }),
      },
    },
    async (request, reply) => {
      const { message: m, proofs, signature } = request.body;
      if (proofs.length !== m.items.length) {
        throw new ApiError(400, "BatchLengthMismatch", `${m.items.length} items but ${proofs.length} proofs`, "proofs");
      }
      const relayRequest: RelayRequest = {
        kind: "revealBatch",
        message: {
          creator: m.creator as Address,
          items: m.items.map((i) => ({ ...registrationOf(i), salt: i.salt as Hex })),
          submitter: m.submitter as Address,
          root: m.root as Hex,
          nonce: BigInt(m.nonce),
          deadline: BigInt(m.deadline),
        },
        proofs: proofs as Hex[][],
        signature: signature as Hex,
      };
      return reply.code(202).send(await accept(relayRequest, request.ip));
    },
  );

  app.get(
    "/relay/requests/:id",
    {
      schema: {
        tags: ["relay"],
        summary: "A relayed request's status: queued, submitted, mined, or failed with the reason in words",
        params: Type.Object({ id: Type.String({ pattern: "^[0-9a-f-]{36}$" }) }),
        response: { 200: RelayStatus, ...errors(400, 404, 429, 503) },
      },
    },
    async (request) => {
      const status = await relayer().status(request.params.id);
      if (!status) throw notFound(`relay request ${request.params.id}`);
      return status;
    },
  );

  app.get(
    "/relay/nonces/:account",
    {
      schema: {
        tags: ["relay"],
        summary: "The nonce a creator's next gasless registration or reveal signs",
        description: "The registry's nonce plus the creator's registrations and reveals queued here, which come first.",
        params: Type.Object({ account: AddressSchema }),
        response: {
          200: Type.Object({
            account: AddressSchema,
            onChain: Type.String(),
            pending: Type.Integer(),
            next: Type.String({ description: "sign this nonce" }),
          }),
          ...errors(400, 429, 503),
        },
      },
    },
    async (request) => {
      const n = await relayer().nextNonce(request.params.account as `0x${string}`);
      return {
        account: request.params.account,
        onChain: n.onChain.toString(),
        pending: n.pending,
        next: n.next.toString(),
      };
    },
  );

  app.get(
    "/relay",
    {
      schema: {
        tags: ["relay"],
        summary: "The relayer: its address, balance and queue",
        response: {
          200: Type.Object({
            address: AddressSchema,
            balance: Type.String({ description: "wei" }),
            queued: Type.Integer(),
            submitted: Type.Integer(),
            today: Type.Integer({ description: "requests taken in the last day, of all creators" }),
            dailyQuota: Type.Integer({ description: "the most it takes in a day (then 503 RelayBusy)" }),
            maxFeePerGas: Type.String({ description: "wei: the highest fee per gas it pays" }),
            feesAboveCap: Type.Boolean({ description: "true while the chain's fees are above it: requests wait" }),
          }),
          ...errors(429, 503),
        },
      },
    },
    async () => {
      const h = await relayer().health();
      return { ...h, balance: h.balance.toString(), maxFeePerGas: h.maxFeePerGas.toString() };
    },
  );
};
