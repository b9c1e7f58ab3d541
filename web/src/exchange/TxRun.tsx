// One exchange action from confirmation to its end: what will happen in words, then each transaction sent, mined and
// shown by this site, or why it did not go through; focus moves to what needs reading.
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Hash } from "viem";
import type { Signer } from "../account/signer.ts";
import { useFormat } from "../i18n/format.ts";
import { Hex } from "../ui/Hex.tsx";
import { Loading } from "../ui/Spinner.tsx";
import type { Failure } from "./chain.ts";
import { type Intent, MOVES_THE_WORK, shown } from "./intents.ts";
import { useIntentWords } from "./words.ts";

type TxState = "waiting" | "wallet" | "sent" | "mined" | "failed";
type TxStep = { step: "approve" | "main"; state: TxState; hash?: Hash; block?: bigint };
type Stage =
  | { name: "preparing" }
  | { name: "confirm" }
  | { name: "running" }
  | { name: "done" }
  | { name: "late" }
  | { name: "failed"; failure: Failure };

const loadChain = () => import("./chain.ts");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks the mirror every half second, at most a minute, whether it shows the change. */
async function waitShown(intent: Intent, signer: Signer): Promise<boolean> {
  for (const end = Date.now() + 60_000; Date.now() < end; await sleep(500)) {
    if (await shown(intent, signer.address)) return true;
  }
  return false;
}

export function TxRun(props: {
  intent: Intent;
  signer: Signer;
  /** The person cancelled before anything was sent. */
  onCancel: () => void;
  /** Everything sent has ended (shown, mined but not yet shown, or failed): the caller reads the data again. */
  onSettled: () => void;
}) {
  const { intent, signer } = props;
  const { t } = useTranslation();
  const format = useFormat();
  const words = useIntentWords();
  const [stage, setStage] = useState<Stage>({ name: "preparing" });
  const [steps, setSteps] = useState<TxStep[]>([]);
  const focus = useRef<HTMLElement | null>(null);
  const setFocus = (element: HTMLElement | null) => {
    focus.current = element;
  };

  // Which transactions it takes: a sale needs the exchange allowed to move the work first, unless it already is.
  useEffect(() => {
    let current = true;
    void (async () => {
      try {
        const chain = await loadChain();
        const approve =
          MOVES_THE_WORK.has(intent.kind) &&
          "workId" in intent &&
          (await chain.approvalNeeded(await chain.deployment(), signer.address, intent.workId));
        if (!current) return;
        const all: TxStep[] = [{ step: "main", state: "waiting" }];
        setSteps(approve ? [{ step: "approve", state: "waiting" }, ...all] : all);
        setStage({ name: "confirm" });
      } catch (error) {
        const { failureOf } = await loadChain();
        if (current) setStage({ name: "failed", failure: failureOf(error, format.language) });
      }
    })();
    return () => {
      current = false;
    };
  }, [intent, signer, format.language]);

  useEffect(() => {
    if (stage.name !== "preparing" && stage.name !== "running") focus.current?.focus();
  }, [stage.name]);

  const update = (index: number, change: Partial<TxStep>) =>
    setSteps((all) => all.map((s, i) => (i === index ? { ...s, ...change } : s)));

  const run = async () => {
    setStage({ name: "running" });
    const chain = await loadChain();
    let index = 0;
    try {
      const d = await chain.deployment();
      for (; index < steps.length; index++) {
        const at = index;
        update(at, { state: "wallet" });
        const receipt = await chain.sendStep((steps[at] as TxStep).step, intent, signer, d, (hash) =>
          update(at, { state: "sent", hash }),
        );
        update(at, { state: "mined", hash: receipt.transactionHash, block: receipt.blockNumber });
      }
      setStage((await waitShown(intent, signer)) ? { name: "done" } : { name: "late" });
    } catch (error) {
      if (index < steps.length) update(index, { state: "failed" });
      setStage({ name: "failed", failure: chain.failureOf(error, format.language) });
    }
    props.onSettled();
  };

  if (stage.name === "preparing") return <Loading label={t("exchange.preparing")} />;

  if (stage.name === "confirm") {
    return (
      <div className="confirm card">
        <h3 tabIndex={-1} ref={setFocus}>
          {t("exchange.confirmTitle")}
        </h3>
        <p>{words.what(intent)}</p>
        {steps.length > 1 && <p className="warning">{t("exchange.approvalFirst")}</p>}
        <p className="hint">{t("exchange.walletWillAsk", { count: steps.length })}</p>
        <p className="actions">
          <button type="button" className="primary" onClick={() => void run()}>
            {t("exchange.confirm")}
          </button>
          <button type="button" onClick={props.onCancel}>
            {t("exchange.cancel")}
          </button>
        </p>
      </div>
    );
  }

  const shownState =
    stage.name === "done" ? "done" : stage.name === "late" ? "late" : stage.name === "running" ? "waiting" : "failed";
  const indexing = stage.name === "running" && steps.every((s) => s.state === "mined");
  return (
    <div className="tx-run">
      <ol className="steps" aria-label={t("exchange.stepsLabel")}>
        {steps.map((s) => (
          <li
            key={s.step}
            className={`step ${s.state === "mined" ? "done" : s.state === "failed" ? "failed" : s.state === "waiting" ? "" : "active"}`}
            aria-current={s.state === "wallet" || s.state === "sent" ? "step" : undefined}
          >
            <span className="step-state">
              {t(`exchange.txState.${s.state}`, { block: format.number(s.block ?? 0n) })}
            </span>{" "}
            {words.step(s.step === "approve" ? "approve" : intent.kind)}
            {s.hash !== undefined && (
              <span className="hint">
                {" "}
                · {t("exchange.transaction")} <Hex value={s.hash} />
              </span>
            )}
          </li>
        ))}
        {stage.name !== "failed" && (
          <li
            className={`step ${shownState === "done" ? "done" : indexing ? "active" : ""}`}
            aria-current={indexing ? "step" : undefined}
          >
            <span className="step-state">{t(`exchange.shownState.${indexing ? "active" : shownState}`)}</span>{" "}
            {t("exchange.step.shown")}
          </li>
        )}
      </ol>
      <p className="visually-hidden" role="status">
        {stage.name === "running" ? t("exchange.working") : ""}
      </p>
      {stage.name === "done" && (
        <p className="done" tabIndex={-1} ref={setFocus}>
          {words.done(intent)}
        </p>
      )}
      {stage.name === "late" && (
        <p className="warning" tabIndex={-1} ref={setFocus}>
          {t("exchange.late")}
        </p>
      )}
      {stage.name === "failed" && (
        <div className="problem" role="alert" tabIndex={-1} ref={setFocus}>
          <p>{failureText(stage.failure, t)}</p>
        </div>
      )}
    </div>
  );
}

function failureText(failure: Failure, t: ReturnType<typeof useTranslation>["t"]): string {
  switch (failure.kind) {
    case "declined":
      return t("exchange.failure.declined");
    case "wrongChain":
      return t("exchange.failure.wrongChain", { expected: failure.expected, actual: failure.actual });
    case "refused":
      return t("exchange.failure.refused", { reason: failure.sentence });
    case "other":
      return t("exchange.failure.other", { detail: failure.detail });
  }
}
