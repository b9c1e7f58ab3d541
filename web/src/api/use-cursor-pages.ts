// A list the API answers page by page (a cursor to the next), reloaded whenever its query changes; "more" appends.
import { startTransition, useCallback, useEffect, useRef, useState } from "react";
import type { Problem, Result } from "./client.ts";

export type CursorPages<T> = {
  items: T[];
  next: string | null;
  loading: boolean;
  problem: Problem | null;
  /** Loads the page after the last one shown (no-op while loading or on the last page). */
  more: () => void;
};

/**
 * The pages of `fetchPage` for the query named by `key` (the address's query): the first page whenever `key` changes,
 * the next one on `more`. An answer to an earlier query (first page or more) arriving late is dropped.
 */
export function useCursorPages<T>(
  key: string,
  fetchPage: (after: string | undefined) => Promise<Result<{ items: T[]; next: string | null }>>,
): CursorPages<T> {
  const [state, setState] = useState<Omit<CursorPages<T>, "more">>({
    items: [],
    next: null,
    loading: true,
    problem: null,
  });
  const generation = useRef(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const load = useCallback(async (after: string | undefined, mine: number) => {
    setState((s) => ({ ...s, loading: true, problem: null }));
    const answer = await fetchRef.current(after);
    if (generation.current !== mine) return;
    // Drawn as a transition (in slices, the page answering meanwhile), as useApi draws its answers.
    startTransition(() =>
      setState((s) =>
        answer.problem
          ? { ...s, loading: false, problem: answer.problem }
          : {
              items: after === undefined ? answer.data.items : [...s.items, ...answer.data.items],
              next: answer.data.next,
              loading: false,
              problem: null,
            },
      ),
    );
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the key names the query; fetchPage follows it
  useEffect(() => {
    const mine = ++generation.current;
    setState({ items: [], next: null, loading: true, problem: null });
    void load(undefined, mine);
  }, [key]);

  const more = () => {
    if (state.loading || state.next === null) return;
    void load(state.next, generation.current);
  };
  return { ...state, more };
}
