// `titlechain export transfers`: the audit trail (transfers, sales, licences, pledges, disputes) as CSV on stdout.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CliError, EXIT } from "../output.ts";
import { answer, clientOf } from "../server.ts";

export const exportHelp = `Usage: titlechain export transfers [--from TIME] [--to TIME] [--work ID] [--account ADDRESS]
                                [--kinds KIND,…] [--server URL] > audit.csv

Writes every matching entry of the audit trail as one CSV file (RFC 4180, UTF-8): time, kind, event, work, details
and the on-chain proof of each (chain, contract, transaction, block, log index).`;

export async function exportTransfers(o: {
  server: string;
  from?: string;
  to?: string;
  work?: string;
  account?: string;
  kinds?: string;
}): Promise<number> {
  const query = Object.fromEntries(
    Object.entries({ from: o.from, to: o.to, work: o.work, account: o.account, kinds: o.kinds }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  const result = await clientOf(o.server).GET("/api/audit.csv", {
    params: { query: query as never },
    parseAs: "stream",
  });
  if (!result.response.ok || !result.data) {
    answer({ ...result, data: undefined }, "export");
    throw new CliError("export: no CSV in the answer");
  }
  await pipeline(Readable.fromWeb(result.data as never), process.stdout);
  return EXIT.ok;
}
