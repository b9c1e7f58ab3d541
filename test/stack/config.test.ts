// The configuration: flags over variables over defaults, and each mistake named by the setting the user wrote.

import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { expect } from "chai";
import { ConfigError, readConfig, SETTINGS } from "../../server/config.ts";

const refused = (argv: string[], env: Record<string, string>, setting: string, message: RegExp) => {
  try {
    readConfig(argv, env);
    expect.fail(`accepted ${argv.join(" ")} ${JSON.stringify(env)}`);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).setting).to.equal(setting);
    expect((error as Error).message).to.match(message);
  }
};

describe("configuration", () => {
  it("runs the whole stack on embedded defaults in ./data", () => {
    expect(readConfig([], {})).to.deep.equal({
      dataDir: resolve("data"),
      host: "127.0.0.1",
      port: 8080,
      role: "all",
      demo: false,
      rpcUrls: [],
      chainId: undefined,
      deploymentFile: undefined,
      databaseUrl: undefined,
      dbCacheMb: 128,
      ipfsApiUrl: undefined,
      relayerKeyFile: undefined,
      publicUrl: undefined,
      corsOrigins: [],
      trustedProxies: [],
      maxUploadBytes: 1024 * 1024 * 1024,
      rateLimitPerMinute: 6000,
      platformKeyFile: undefined,
      platformCertFile: undefined,
      tsaUrls: [],
      tsaRootsFile: undefined,
      operatorFile: undefined,
      relayQuotas: { perCreatorPerDay: 2500, perIpPerHour: 5000, perDay: 50_000, maxFeeGwei: 200 },
    });
  });

  it("takes a flag over its variable, and a variable over the default", () => {
    const env = { PORT: "9000", TITLECHAIN_DATA_DIR: "/srv/tc", RPC_URL: "https://a.example, https://b.example" };
    expect(readConfig(["--deployment", "d.json"], env)).to.include({ port: 9000, dataDir: "/srv/tc" });
    expect(readConfig(["--port", "0", "--deployment", "d.json"], env).port).to.equal(0);
    const config = readConfig(["--deployment", "d.json", "--trusted-proxies", "10.0.0.0/8,127.0.0.1"], env);
    expect(config.rpcUrls).to.deep.equal(["https://a.example", "https://b.example"]);
    expect(config.trustedProxies).to.deep.equal(["10.0.0.0/8", "127.0.0.1"]);
    expect(config.deploymentFile).to.equal(resolve("d.json"));
    expect(readConfig(["--demo", "--role", "api"], { PORT: "" })).to.include({ demo: true, role: "api", port: 8080 });
    const signed = readConfig(["--platform-key-file", "k.pem"], {
      PLATFORM_CERT_FILE: "c.pem",
      TSA_URLS: "https://tsa.example/a,http://b",
    });
    expect(signed).to.include({ platformKeyFile: resolve("k.pem"), platformCertFile: resolve("c.pem") });
    expect(signed.tsaUrls).to.deep.equal(["https://tsa.example/a", "http://b"]);
  });

  it("sizes the database's page cache by what the process serves, unless told", () => {
    const cache = (argv: string[], env: Record<string, string> = {}) => readConfig(argv, env).dbCacheMb;
    expect([
      cache([]),
      cache(["--role", "api"]),
      cache(["--role", "indexer"]),
      cache(["--role", "relayer"]),
    ]).to.deep.equal([128, 256, 16, 16]);
    expect(cache(["--role", "indexer", "--db-cache-mb", "64"])).to.equal(64);
    expect(cache([], { DB_CACHE_MB: "512" })).to.equal(512);
  });

  it("names the flag or the variable at fault, with what was wrong", () => {
    refused(["--port", "70000"], {}, "--port", /from 0 to 65535, not "70000"/);
    refused([], { PORT: "eighty" }, "PORT", /not "eighty"/);
    refused(["--role", "boss"], {}, "--role", /all, api, indexer or relayer/);
    refused([], { RPC_URL: "no url" }, "RPC_URL", /"no url" is not a URL/);
    refused(
      [],
      { RPC_URL: "localhost:8545" },
      "RPC_URL",
      /must be http: or https: or ws: or wss:, not "localhost:8545"/,
    );
    refused(["--rpc-url", "ftp://x"], {}, "--rpc-url", /must be http:/);
    refused(["--rpc-url", "http://x"], {}, "--deployment", /required with --rpc-url/);
    refused([], { DATABASE_URL: "mysql://x" }, "DATABASE_URL", /must be postgres: or postgresql:/);
    refused(["--max-upload-mb", "0"], {}, "--max-upload-mb", /from 1 to/);
    refused([], { DB_CACHE_MB: "2048" }, "DB_CACHE_MB", /from 16 to 1024, not "2048"/);
    refused(["--demo", "--rpc-url", "http://x", "--deployment", "d"], {}, "--demo", /embedded chain only/);
    refused(["--platform-key-file", "k.pem"], {}, "--platform-cert-file", /key and certificate are given together/);
    refused([], { PLATFORM_CERT_FILE: "c.pem" }, "--platform-key-file", /given together/);
    refused(["--tsa-url", "tsa.example"], {}, "--tsa-url", /"tsa.example" is not a URL/);
    refused(["--frobnicate"], {}, "arguments", /Unknown option '--frobnicate'/);
    refused(["extra"], {}, "arguments", /positional/i);
  });

  it("is the README's table: every setting's flag and variable are documented there", async () => {
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    for (const setting of SETTINGS) {
      expect(readme, setting.flag).to.include(`\`--${setting.flag}`);
      if (setting.env) expect(readme, setting.env).to.include(`\`${setting.env}\``);
    }
  });
});
