// The names of the works a work is related to (its parents and derivatives), each asked of the API by its id.
import { api, call, useApi } from "../api/client.ts";
import type { Language } from "../i18n/index.ts";
import { workHex } from "../ui/ids.ts";
import type { WorkDetail } from "./types.ts";

type Names = Pick<WorkDetail["metadata"], "name" | "nameZh" | "nameEn">;

/** At most this many related works are named; any further one is shown by its fingerprint. */
export const MAX_NAMED = 20;

/** A work's name in the reader's language, else its one name, else the other language's (null: it has none). */
export function nameIn(names: Names, language: Language): string | null {
  const [mine, theirs] = language === "zh" ? [names.nameZh, names.nameEn] : [names.nameEn, names.nameZh];
  return mine ?? names.name ?? theirs;
}

/** The names of the first `MAX_NAMED` of `ids`, by id, once the API has answered (a work it cannot find is left out). */
export function useRelatedNames(ids: string[]): Map<string, Names> {
  const named = ids.slice(0, MAX_NAMED);
  const loaded = useApi(named.length === 0 ? null : named.join(","), async () => {
    const answers = await Promise.all(
      named.map((id) => call(api.GET("/api/works/{workId}", { params: { path: { workId: workHex(id) } } }))),
    );
    return { data: answers.flatMap((a) => (a.data ? [[a.data.workId, a.data.metadata] as const] : [])) };
  });
  return new Map(loaded.state === "done" ? loaded.data : []);
}
