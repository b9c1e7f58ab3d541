// `titlechain licence check <work> <account> --use …`: may this account use this work so, as the ledger's permits() says.
import { EXIT, json, out, paint } from "../output.ts";
import { answer, clientOf } from "../server.ts";

export const licenceHelp = `Usage: titlechain licence check <workId> <account> --use USE[,USE…] [--country CC] [--at TIME]
                                 [--server URL] [--json]

Says whether the account holds a licence of the work that permits every use (reproduce, distribute, adapt, perform,
display, ...) in the country (ISO 3166-1 alpha-2) at the time (ISO 8601; default now), naming the grant and the
permits() call that checks it on chain. Exit 0: permitted; 1: not permitted.`;

export async function licenceCheck(
  work: string,
  account: string,
  o: { server: string; use: string; country?: string; at?: string; json: boolean },
): Promise<number> {
  const query = {
    work,
    account,
    uses: o.use,
    ...(o.country ? { country: o.country } : {}),
    ...(o.at ? { at: o.at } : {}),
  };
  const result = answer(
    await clientOf(o.server).GET("/api/permits", { params: { query: query as never } }),
    `licence check of ${work}`,
  );
  if (o.json) json(result);
  else if (result.permitted) {
    out(`${paint("green", "permitted")}  ${account} may ${o.use.split(",").join(", ")} work ${work}`);
    out(`  grant  ${JSON.stringify(result.grant)}`);
  } else out(`${paint("yellow", "not permitted")}  ${account} holds no licence of work ${work} for ${o.use}`);
  return result.permitted ? EXIT.ok : EXIT.no;
}
