#!/usr/bin/env node
// The `titlechain` command line: register, verify, title, licence check, export, evidence; one file per command.
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { evidence, evidenceHelp } from "./commands/evidence.ts";
import { exportHelp, exportTransfers } from "./commands/export.ts";
import { licenceCheck, licenceHelp } from "./commands/licence.ts";
import { register, registerHelp } from "./commands/register.ts";
import { title, titleHelp } from "./commands/title.ts";
import { verify, verifyHelp } from "./commands/verify.ts";
import { verifyEvidenceCommand, verifyEvidenceHelp } from "./commands/verify-evidence.ts";
import { CliError, EXIT } from "./output.ts";
import { serverUrl } from "./server.ts";

const HELP = `Usage: titlechain <command> [options]   (npx titlechain …)

Commands:
  register <file|folder>        register a design, or a whole folder in one batch (gasless through a server)
  verify <file>                 is this exact file registered, when, by whom, who owns it now
  title <workId|file>           a work's chain of title, oldest first
  licence check <work> <account> --use USES
                                may this account use this work so now
  export transfers              the audit trail as CSV
  evidence <workId|file>        download a work's evidence bundle
  verify-evidence <bundle.json> --rpc URL [--file F]
                                check an evidence bundle against a chain node, step by step

Every command takes --server URL (default: TITLECHAIN_SERVER, else http://127.0.0.1:8080), --json where it prints
data, and --help. Exit codes: 0 yes or done; 1 the answer is no (not registered, not permitted, no such work);
2 the command line is wrong; 3 the server, the node or a file could not be used.`;

const common: ParseArgsOptionsConfig = {
  server: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};
type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };

/** Parses a command's arguments; a mistake is a usage error naming it. */
function parse(argv: string[], options: ParseArgsOptionsConfig, help: string): Parsed {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...common, ...options },
      allowPositionals: true,
      strict: true,
    }) as unknown as Parsed;
    if (parsed.values["help"]) {
      process.stdout.write(`${help}\n`);
      process.exit(EXIT.ok);
    }
    return parsed;
  } catch (error) {
    throw new CliError(
      `${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n\n${help}`,
      EXIT.usage,
    );
  }
}

function positionals(list: string[], count: number, help: string): string[] {
  if (list.length !== count) {
    throw new CliError(
      `expected ${count} argument${count === 1 ? "" : "s"}, got ${list.length}\n\n${help}`,
      EXIT.usage,
    );
  }
  return list;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  switch (command) {
    case "verify": {
      const { values, positionals: p } = parse(
        rest,
        { rpc: { type: "string" }, registry: { type: "string" } },
        verifyHelp,
      );
      const [file] = positionals(p, 1, verifyHelp);
      return verify(file as string, {
        server: serverUrl(str(values["server"])),
        json: values["json"] === true,
        ...(str(values["rpc"]) ? { rpc: str(values["rpc"]) as string } : {}),
        ...(str(values["registry"]) ? { registry: str(values["registry"]) as string } : {}),
      });
    }
    case "title": {
      const { values, positionals: p } = parse(rest, {}, titleHelp);
      const [target] = positionals(p, 1, titleHelp);
      return title(target as string, { server: serverUrl(str(values["server"])), json: values["json"] === true });
    }
    case "licence": {
      const spec = { use: { type: "string" }, country: { type: "string" }, at: { type: "string" } } as const;
      const { values, positionals: p } = parse(rest, spec, licenceHelp);
      const [sub, work, account] = positionals(p, 3, licenceHelp);
      if (sub !== "check") throw new CliError(`licence: unknown subcommand "${sub}"\n\n${licenceHelp}`, EXIT.usage);
      if (!str(values["use"])) throw new CliError(`licence check: --use is required\n\n${licenceHelp}`, EXIT.usage);
      return licenceCheck(work as string, account as string, {
        server: serverUrl(str(values["server"])),
        json: values["json"] === true,
        use: str(values["use"]) as string,
        ...(str(values["country"]) ? { country: str(values["country"]) as string } : {}),
        ...(str(values["at"]) ? { at: str(values["at"]) as string } : {}),
      });
    }
    case "export": {
      const spec = {
        from: { type: "string" },
        to: { type: "string" },
        work: { type: "string" },
        account: { type: "string" },
        kinds: { type: "string" },
      } as const;
      const { values, positionals: p } = parse(rest, spec, exportHelp);
      const [what] = positionals(p, 1, exportHelp);
      if (what !== "transfers") throw new CliError(`export: unknown export "${what}"\n\n${exportHelp}`, EXIT.usage);
      const pick = (k: string) => (str(values[k]) ? { [k]: str(values[k]) as string } : {});
      return exportTransfers({
        server: serverUrl(str(values["server"])),
        ...pick("from"),
        ...pick("to"),
        ...pick("work"),
        ...pick("account"),
        ...pick("kinds"),
      });
    }
    case "evidence": {
      const { values, positionals: p } = parse(rest, { out: { type: "string" } }, evidenceHelp);
      const [target] = positionals(p, 1, evidenceHelp);
      return evidence(target as string, {
        server: serverUrl(str(values["server"])),
        out: str(values["out"]) ?? ".",
        json: values["json"] === true,
      });
    }
    case "verify-evidence": {
      const spec = {
        rpc: { type: "string" },
        file: { type: "string" },
        "tsa-roots": { type: "string" },
        "platform-cert": { type: "string" },
      } as const;
      const { values, positionals: p } = parse(rest, spec, verifyEvidenceHelp);
      const [bundle] = positionals(p, 1, verifyEvidenceHelp);
      const rpc = str(values["rpc"]);
      if (!rpc) throw new CliError(`verify-evidence: --rpc is required\n\n${verifyEvidenceHelp}`, EXIT.usage);
      return verifyEvidenceCommand(bundle as string, {
        rpc,
        json: values["json"] === true,
        ...(str(values["file"]) ? { file: str(values["file"]) as string } : {}),
        ...(str(values["tsa-roots"]) ? { tsaRoots: str(values["tsa-roots"]) as string } : {}),
        ...(str(values["platform-cert"]) ? { platformCert: str(values["platform-cert"]) as string } : {}),
      });
    }
    case "register": {
      const spec = {
        "key-file": { type: "string" },
        private: { type: "boolean" },
        "state-file": { type: "string" },
      } as const;
      const { values, positionals: p } = parse(rest, spec, registerHelp);
      const [target] = positionals(p, 1, registerHelp);
      return register(target as string, {
        server: serverUrl(str(values["server"])),
        json: values["json"] === true,
        private: values["private"] === true,
        ...(str(values["key-file"]) ? { keyFile: str(values["key-file"]) as string } : {}),
        ...(str(values["state-file"]) ? { stateFile: str(values["state-file"]) as string } : {}),
      });
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${HELP}\n`);
      return command === undefined ? EXIT.usage : EXIT.ok;
    default:
      throw new CliError(`unknown command "${command}"\n\n${HELP}`, EXIT.usage);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const known = error instanceof CliError;
  process.stderr.write(`titlechain: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = known ? error.code : EXIT.failed;
}
