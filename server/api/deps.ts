// What the API runs on: the database, the content store, the deployment it mirrors, the indexer's status; and its limits.
import type { Address, PublicClient } from "viem";
import type { ContentStore } from "../content/index.ts";
import type { Sql } from "../db/database.ts";
import type { OperatorStatement } from "../evidence/certificate-content.ts";
import type { PlatformSigner } from "../evidence/platform-key.ts";
import type { IndexerStatus } from "../indexer/indexer.ts";
import type { Relayer } from "../relayer/relayer.ts";

/** The contracts the mirror follows. */
export type Deployment = { chainId: number; registry: Address; ledger: Address; exchange: Address };

export type ApiDeps = {
  db: Sql;
  store: ContentStore;
  chain: Deployment;
  /** The indexer of this process, for /ready; absent in a process that only serves. */
  indexer?: { status(): IndexerStatus };
  /** The gasless relay, when this process holds a relayer key. */
  relayer?: Relayer;
  /** A client of the chain, for checks only a node can answer (a contract account's ERC-1271 signature). */
  client?: PublicClient;
  /** How evidence bundles are signed and timestamped; absent: unsigned bundles without timestamps. */
  evidence?: EvidenceSettings;
};

export type EvidenceSettings = {
  signer?: PlatformSigner | undefined;
  /** RFC 3161 timestamp authorities asked for a token over each manifest. */
  tsaUrls: readonly string[];
  /** Root certificates (PEM) the server trusts for timestamp authorities when it verifies a bundle. */
  tsaRoots?: readonly string[];
  /** The operator's statement printed on certificates; absent: the development stack's. */
  operator?: OperatorStatement;
};

/** The API's part of the configuration (read and validated at the entry point). */
export type ApiOptions = {
  /** Largest upload (files, verification) in bytes: larger gives 413 and stores nothing. */
  maxUploadBytes: number;
  /** Origins allowed to call the API from a browser; empty: same origin only. */
  corsOrigins: readonly string[];
  /** Requests per minute per client IP (429 beyond, with Retry-After). */
  rateLimitPerMinute: number;
  /**
   * Addresses or CIDR ranges of the reverse proxies in front of the server: a request from one of them is the client
   * its `X-Forwarded-For` names (for rate limits, quotas and logs). Empty: every request is its peer's.
   */
  trustedProxies: readonly string[];
  /** The address users reach the server at, for links (feeds); absent: the address each request came to. */
  publicUrl?: string;
  /** Fastify's logger: false in tests, pino options in production. */
  logger?: boolean | Record<string, unknown>;
};

export const defaultApiOptions: ApiOptions = {
  maxUploadBytes: 1024 * 1024 * 1024,
  corsOrigins: [],
  rateLimitPerMinute: 6000,
  trustedProxies: [],
  logger: false,
};
