// The market's figures for one breakdown, asked again whenever `generation` grows; the last answer stays shown meanwhile.
import { useEffect, useState } from "react";
import { api, call, type Problem } from "../api/client.ts";
import type { By, Stats } from "./stats.ts";

export type StatsState = { stats: Stats | null; problem: Problem | null };

export function useStats(by: By, generation: number): StatsState {
  const [state, setState] = useState<StatsState>({ stats: null, problem: null });
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new generation is a request to ask again
  useEffect(() => {
    let current = true;
    void call(api.GET("/api/stats", { params: { query: { by } } })).then((answer) => {
      if (!current) return;
      setState((s) => (answer.problem ? { ...s, problem: answer.problem } : { stats: answer.data, problem: null }));
    });
    return () => {
      current = false;
    };
  }, [by, generation]);
  return state;
}
