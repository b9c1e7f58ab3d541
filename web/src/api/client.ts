// The web's only way to the API: the generated typed client, results as data or a problem, and typed download links.
import { startTransition, useEffect, useState } from "react";
import { type paths, titlechainClient } from "../../../client/index.ts";

/** The API of the server that served this page. */
export const api = titlechainClient(window.location.origin);

import type { Problem } from "./problem.ts";

export type { Problem };
export type Result<T> = { data: T; problem?: undefined } | { data?: undefined; problem: Problem };

function problemOf(error: unknown, status: number): Problem {
  const e = (typeof error === "object" && error !== null ? error : {}) as Partial<Problem>;
  return {
    status,
    code: typeof e.code === "string" ? e.code : `Http${status}`,
    detail: typeof e.detail === "string" ? e.detail : "",
    ...(typeof e.field === "string" ? { field: e.field } : {}),
  };
}

/** Awaits a client call: its data, or its problem (a failure to reach the server becomes `Network`). */
export async function call<R extends { data?: unknown; error?: unknown; response: Response }>(
  request: Promise<R>,
): Promise<Result<NonNullable<R["data"]>>> {
  try {
    const { data, error, response } = await request;
    if (response.ok && data !== undefined) return { data: data as NonNullable<R["data"]> };
    return { problem: problemOf(error, response.status) };
  } catch (error) {
    return { problem: { status: 0, code: "Network", detail: error instanceof Error ? error.message : String(error) } };
  }
}

export type Loading<T> = { state: "loading" } | { state: "done"; data: T } | { state: "failed"; problem: Problem };

/** Runs `load` when `key` changes and keeps the latest answer; an answer to an older key is dropped. */
export function useApi<T>(key: string | null, load: () => Promise<Result<T>>): Loading<T> {
  const [result, setResult] = useState<{ key: string | null; loading: Loading<T> }>({
    key: null,
    loading: { state: "loading" },
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key names everything the request depends on
  useEffect(() => {
    if (key === null) return;
    let current = true;
    void load().then((r) => {
      if (!current) return;
      // An answer is drawn as a transition: a long list or timeline renders in slices, the page answering meanwhile.
      startTransition(() =>
        setResult({
          key,
          loading: r.problem ? { state: "failed", problem: r.problem } : { state: "done", data: r.data as T },
        }),
      );
    });
    return () => {
      current = false;
    };
  }, [key]);
  return result.key === key ? result.loading : { state: "loading" };
}

type GetPath = {
  [P in keyof paths]: paths[P] extends { get: { parameters: object } } ? P : never;
}[keyof paths];
type GetParameters<P extends GetPath> = paths[P]["get"]["parameters"];
/** A path's parameters, or an empty object for a path without any. */
type PathParams<P extends GetPath> = GetParameters<P> extends { path: infer A } ? A : Record<string, never>;
type QueryParams<P extends GetPath> = GetParameters<P> extends { query?: infer Q } ? NonNullable<Q> : never;

/**
 * The address of an API download (a certificate, an evidence bundle, the audit CSV) for a link: only a path of the
 * OpenAPI document compiles, with its path parameters and, if given, its query's (empty values left out).
 */
export function apiHref<P extends GetPath>(path: P, params: PathParams<P>, query?: QueryParams<P>): string {
  const values = params as Record<string, string>;
  const href = path.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(values[name] ?? ""));
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (value !== undefined && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text === "" ? href : `${href}?${text}`;
}
