// `titlechain title <workId|file>`: a work's chain of title, oldest first, as a table or JSON.
import { workOfTarget } from "../files.ts";
import { EXIT, json, out, table } from "../output.ts";
import { answer, clientOf } from "../server.ts";

export const titleHelp = `Usage: titlechain title <workId|sha256|file> [--server URL] [--json]

Prints the work's chain of title, oldest first: registration, assignments, pledges, licences, disputes, sales, each
with the transaction that proves it. A file is hashed to find its work.`;

type Entry = {
  kind: string;
  event: string;
  at: string | null;
  proof: { transactionHash: string; blockNumber: string; logIndex: number };
  details: Record<string, unknown>;
};

/** The details worth a column: who, to whom, how much. */
function summary(details: Record<string, unknown>): string {
  const keys = ["creator", "from", "to", "holder", "payer", "buyer", "seller", "price", "pledgee"];
  return keys
    .filter((k) => details[k] !== undefined && details[k] !== null)
    .map((k) => `${k} ${String(details[k])}`)
    .join(", ");
}

export async function title(target: string, o: { server: string; json: boolean }): Promise<number> {
  const workId = await workOfTarget(target);
  const api = clientOf(o.server);
  const entries: Entry[] = [];
  let after: string | undefined;
  do {
    const page = answer(
      await api.GET("/api/works/{workId}/title", { params: { path: { workId }, query: after ? { after } : {} } }),
      `title of ${target}`,
    );
    entries.push(...(page.entries as Entry[]));
    after = page.next ?? undefined;
  } while (after);
  if (o.json) json({ workId, entries });
  else {
    out(
      table(
        ["when", "what", "details", "transaction"],
        entries.map((e) => [e.at ?? "", e.kind, summary(e.details), `${e.proof.transactionHash} #${e.proof.logIndex}`]),
      ),
    );
  }
  return EXIT.ok;
}
