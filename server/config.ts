// Titlechain's configuration: every setting's flag, environment variable, default and check, read once at the entry.
import { resolve } from "node:path";
import { parseArgs } from "node:util";

/** What one process does: everything, or one part of a scaled-out deployment. */
export type Role = "all" | "api" | "indexer" | "relayer";

export type Config = {
  /** Where all local state lives: chain, content store, database, keys of the development stack, the lock. */
  dataDir: string;
  host: string;
  /** 0: any free port (the ready line names it). */
  port: number;
  role: Role;
  /** Seed the demonstration market when the data directory has no works yet (embedded chain only). */
  demo: boolean;
  /** JSON-RPC URLs of the chain, first preferred; empty: an embedded anvil chain in the data directory. */
  rpcUrls: string[];
  /** The chain id the node must report (checked at start); undefined: whatever it reports. */
  chainId: number | undefined;
  /** The deployment file (addresses, start block) production reads; undefined: deployed on the embedded chain. */
  deploymentFile: string | undefined;
  /** PostgreSQL; undefined: PGlite in the data directory. */
  databaseUrl: string | undefined;
  /** PGlite's page cache in MB (Postgres's shared_buffers); PostgreSQL's is its server's setting. */
  dbCacheMb: number;
  /** Kubo's RPC API; undefined: the embedded content store in the data directory. */
  ipfsApiUrl: string | undefined;
  /** A file holding the relayer's private key; undefined: a development key on the embedded chain, else no relay. */
  relayerKeyFile: string | undefined;
  /** The URL users reach this server at (links in feeds and certificates); default from host and port. */
  publicUrl: string | undefined;
  corsOrigins: string[];
  trustedProxies: string[];
  maxUploadBytes: number;
  rateLimitPerMinute: number;
  /** The platform's signing key and certificate files; both undefined: the development pair (embedded chain only). */
  platformKeyFile: string | undefined;
  platformCertFile: string | undefined;
  /** RFC 3161 timestamp authorities for evidence bundles. */
  tsaUrls: string[];
  /** Root certificates trusted for timestamp authorities (PEM file). */
  tsaRootsFile: string | undefined;
  /** The operator's statement for certificates (JSON file). */
  operatorFile: string | undefined;
  /** Gasless requests a creator may make per day, and a client address per hour. */
  relayQuotas: RelayQuotas;
};

/**
 * PGlite's page cache by role, in MB. The cache is memory the process holds from its start (PGlite zeroes it), and
 * every page it does not hold is read through PGlite's file system layer: a process serving only the API holds the
 * most, and the indexer alone writes as fast with 16 (docs/api-performance.md has the measurements).
 */
/** What the relayer may spend: requests per creator a day, per client an hour, in all a day; the highest fee it pays. */
export type RelayQuotas = { perCreatorPerDay: number; perIpPerHour: number; perDay: number; maxFeeGwei: number };

export const DB_CACHE_MB: Readonly<Record<Role, number>> = { all: 128, api: 256, indexer: 16, relayer: 16 };

/** A setting given wrongly: `setting` is the flag or variable as the user wrote it. */
export class ConfigError extends Error {
  readonly setting: string;
  constructor(setting: string, message: string) {
    super(`${setting}: ${message}`);
    this.name = "ConfigError";
    this.setting = setting;
  }
}

type Setting = {
  flag: string;
  env?: string;
  /** The value's form in the documentation's table. */
  value: string;
  default: string;
  description: string;
  boolean?: boolean;
};

/** Every setting, in the order the README's table lists them (a test keeps the two the same). */
export const SETTINGS: readonly Setting[] = [
  { flag: "data-dir", env: "TITLECHAIN_DATA_DIR", value: "path", default: "./data", description: "all local state" },
  { flag: "port", env: "PORT", value: "0-65535", default: "8080", description: "HTTP port (0: any free port)" },
  { flag: "host", env: "HOST", value: "address", default: "127.0.0.1", description: "address to listen on" },
  {
    flag: "role",
    env: "TITLECHAIN_ROLE",
    value: "all|api|indexer|relayer",
    default: "all",
    description: "what this process runs",
  },
  {
    flag: "demo",
    value: "",
    default: "off",
    description: "seed a demonstration market when the data directory has no works (embedded chain only)",
    boolean: true,
  },
  {
    flag: "rpc-url",
    env: "RPC_URL",
    value: "URL[,URL...]",
    default: "embedded anvil",
    description: "the chain's JSON-RPC nodes, first preferred, the others on failure",
  },
  { flag: "chain-id", env: "CHAIN_ID", value: "integer", default: "the node's", description: "refuse another chain" },
  {
    flag: "deployment",
    env: "TITLECHAIN_DEPLOYMENT",
    value: "path",
    default: "deployed on the embedded chain",
    description: "deployment file written by `npm run deploy` (required with --rpc-url)",
  },
  {
    flag: "database-url",
    env: "DATABASE_URL",
    value: "postgres://…",
    default: "PGlite in the data directory",
    description: "PostgreSQL",
  },
  {
    flag: "db-cache-mb",
    env: "DB_CACHE_MB",
    value: "16-1024",
    default: "128; 256 with --role api; 16 with --role indexer or relayer",
    description: "PGlite's page cache (Postgres's shared_buffers), memory held from the start",
  },
  {
    flag: "ipfs-api-url",
    env: "IPFS_API_URL",
    value: "URL",
    default: "embedded store in the data directory",
    description: "Kubo's RPC API",
  },
  {
    flag: "relayer-key-file",
    env: "RELAYER_KEY_FILE",
    value: "path",
    default: "a development key on the embedded chain; none otherwise",
    description: "file holding the gasless relay's private key (never the key itself)",
  },
  {
    flag: "public-url",
    env: "PUBLIC_URL",
    value: "URL",
    default: "http://HOST:PORT",
    description: "the address users reach (feeds, links)",
  },
  {
    flag: "cors-origins",
    env: "CORS_ORIGINS",
    value: "origin[,origin...]",
    default: "same origin only",
    description: "browser origins allowed to call the API",
  },
  {
    flag: "trusted-proxies",
    env: "TRUSTED_PROXIES",
    value: "address or CIDR[,...]",
    default: "none",
    description: "reverse proxies whose X-Forwarded-For is believed",
  },
  {
    flag: "max-upload-mb",
    env: "MAX_UPLOAD_MB",
    value: "integer",
    default: "1024",
    description: "largest upload, in MiB",
  },
  {
    flag: "rate-limit",
    env: "RATE_LIMIT_PER_MINUTE",
    value: "integer",
    default: "6000",
    description: "requests per minute per client address",
  },
  {
    flag: "platform-key-file",
    env: "PLATFORM_KEY_FILE",
    value: "path",
    default: "a development key in the data directory (embedded chain); none otherwise",
    description: "the platform's RSA private key (PKCS#8 PEM) that signs evidence and certificates",
  },
  {
    flag: "platform-cert-file",
    env: "PLATFORM_CERT_FILE",
    value: "path",
    default: "a self-signed development certificate",
    description: "the platform key's X.509 certificate chain (PEM, the key's own first)",
  },
  {
    flag: "tsa-url",
    env: "TSA_URLS",
    value: "URL[,URL...]",
    default: "none",
    description: "RFC 3161 timestamp authorities asked to timestamp every evidence bundle",
  },
  {
    flag: "tsa-roots-file",
    env: "TSA_ROOTS_FILE",
    value: "path",
    default: "none",
    description: "root certificates (PEM) trusted for timestamp authorities when the server verifies a bundle",
  },
  {
    flag: "operator-file",
    env: "OPERATOR_FILE",
    value: "path",
    default: "the development stack's",
    description:
      "JSON of the operator's statement on certificates: legalName, filingNumber, nodes, conflicts (of interest)",
  },
  {
    flag: "relay-creator-quota",
    env: "RELAY_CREATOR_QUOTA",
    value: "integer",
    default: "2500",
    description: "gasless requests per creator per day (a folder of 1,000 designs takes 2,000)",
  },
  {
    flag: "relay-ip-quota",
    env: "RELAY_IP_QUOTA",
    value: "integer",
    default: "5000",
    description: "gasless requests per client address per hour",
  },
  {
    flag: "relay-daily-quota",
    env: "RELAY_DAILY_QUOTA",
    value: "integer",
    default: "50000",
    description: "gasless requests of all creators together per day: with the fee cap, bounds what the relayer spends",
  },
  {
    flag: "relay-max-fee-gwei",
    env: "RELAY_MAX_FEE_GWEI",
    value: "integer",
    default: "200",
    description: "the highest fee per gas the relayer pays; above it, requests wait queued until fees fall",
  },
];

/** The name a setting was given by: its flag when on the command line, else its variable. */
type Source = { name: string; text: string };

/**
 * Reads the configuration from command-line arguments (without node and the script) and the environment; a flag wins
 * over its variable. Throws a ConfigError naming the first setting at fault.
 */
export function readConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Config {
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        SETTINGS.map((s) => [s.flag, { type: s.boolean ? ("boolean" as const) : ("string" as const) }]),
      ),
      strict: true,
      allowPositionals: false,
    }).values as typeof flags;
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new ConfigError("arguments", `${message} (see --help)`);
  }
  const source = (flag: string): Source | undefined => {
    const given = flags[flag];
    if (typeof given === "string") return { name: `--${flag}`, text: given };
    const env_ = SETTINGS.find((s) => s.flag === flag)?.env;
    const fromEnv = env_ ? env[env_] : undefined;
    return env_ && fromEnv !== undefined && fromEnv !== "" ? { name: env_, text: fromEnv } : undefined;
  };
  const integer = (flag: string, fallback: number, min: number, max: number): number => {
    const s = source(flag);
    if (!s) return fallback;
    if (!/^\d+$/.test(s.text) || Number(s.text) < min || Number(s.text) > max) {
      throw new ConfigError(s.name, `must be a whole number from ${min} to ${max}, not "${s.text}"`);
    }
    return Number(s.text);
  };
  const list = (flag: string): string[] =>
    (source(flag)?.text ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter((x) => x.length > 0);
  const url = (flag: string, text: string, protocols: readonly string[]): string => {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      throw new ConfigError(source(flag)?.name ?? `--${flag}`, `"${text}" is not a URL`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(source(flag)?.name ?? `--${flag}`, `must be ${protocols.join(" or ")}, not "${text}"`);
    }
    return text;
  };

  const role = source("role");
  if (role && !["all", "api", "indexer", "relayer"].includes(role.text)) {
    throw new ConfigError(role.name, `must be all, api, indexer or relayer, not "${role.text}"`);
  }
  const rpcUrls = list("rpc-url").map((u) => url("rpc-url", u, ["http:", "https:", "ws:", "wss:"]));
  const deployment = source("deployment");
  if (rpcUrls.length > 0 && !deployment) {
    throw new ConfigError("--deployment", "is required with --rpc-url (write one with `npm run deploy`)");
  }
  const databaseUrl = source("database-url");
  if (databaseUrl) url("database-url", databaseUrl.text, ["postgres:", "postgresql:"]);
  const ipfs = source("ipfs-api-url");
  if (ipfs) url("ipfs-api-url", ipfs.text, ["http:", "https:"]);
  const publicUrl = source("public-url");
  if (publicUrl) url("public-url", publicUrl.text, ["http:", "https:"]);
  for (const origin of list("cors-origins")) url("cors-origins", origin, ["http:", "https:"]);
  const host = source("host")?.text ?? "127.0.0.1";
  const chainId = source("chain-id") ? integer("chain-id", 0, 1, 2 ** 53 - 1) : undefined;
  const platformKey = source("platform-key-file");
  const platformCert = source("platform-cert-file");
  if (Boolean(platformKey) !== Boolean(platformCert)) {
    throw new ConfigError(
      platformKey ? "--platform-cert-file" : "--platform-key-file",
      "the platform's key and certificate are given together",
    );
  }
  const tsaUrls = list("tsa-url").map((u) => url("tsa-url", u, ["http:", "https:"]));
  const tsaRoots = source("tsa-roots-file");
  const demo = flags["demo"] === true;
  if (demo && rpcUrls.length > 0) throw new ConfigError("--demo", "seeds the embedded chain only, not --rpc-url");
  return {
    dataDir: resolve(source("data-dir")?.text ?? "data"),
    host,
    port: integer("port", 8080, 0, 65_535),
    role: (role?.text ?? "all") as Role,
    demo,
    rpcUrls,
    chainId,
    deploymentFile: deployment ? resolve(deployment.text) : undefined,
    databaseUrl: databaseUrl?.text,
    dbCacheMb: integer("db-cache-mb", DB_CACHE_MB[(role?.text ?? "all") as Role], 16, 1024),
    ipfsApiUrl: ipfs?.text,
    relayerKeyFile: source("relayer-key-file") ? resolve(source("relayer-key-file")?.text as string) : undefined,
    publicUrl: publicUrl?.text,
    corsOrigins: list("cors-origins"),
    trustedProxies: list("trusted-proxies"),
    maxUploadBytes: integer("max-upload-mb", 1024, 1, 1024 * 1024) * 1024 * 1024,
    rateLimitPerMinute: integer("rate-limit", 6000, 1, 1_000_000_000),
    platformKeyFile: platformKey ? resolve(platformKey.text) : undefined,
    platformCertFile: platformCert ? resolve(platformCert.text) : undefined,
    tsaUrls,
    tsaRootsFile: tsaRoots ? resolve(tsaRoots.text) : undefined,
    operatorFile: source("operator-file") ? resolve(source("operator-file")?.text as string) : undefined,
    relayQuotas: {
      perCreatorPerDay: integer("relay-creator-quota", 2500, 1, 1_000_000_000),
      perIpPerHour: integer("relay-ip-quota", 5000, 1, 1_000_000_000),
      perDay: integer("relay-daily-quota", 50_000, 1, 1_000_000_000),
      maxFeeGwei: integer("relay-max-fee-gwei", 200, 1, 1_000_000),
    },
  };
}

/** The settings as the README's table: flag, variable, default, what it is. */
export function settingsTable(): string {
  const rows = SETTINGS.map(
    (s) =>
      `| \`--${s.flag}${s.value ? ` ${s.value}` : ""}\` | ${s.env ? `\`${s.env}\`` : ""} | ${s.default} | ${s.description} |`,
  );
  return ["| flag | variable | default | what |", "| --- | --- | --- | --- |", ...rows].join("\n");
}
