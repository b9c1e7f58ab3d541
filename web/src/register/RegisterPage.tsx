// Register a design: choose who signs, drop the file (hashed here), check prior art, describe it, commit and reveal.
import { type FormEvent, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Hex } from "viem";
import { Link } from "wouter";
import { AccountPanel } from "../account/AccountPanel.tsx";
import { useAccount } from "../account/context.tsx";
import { api, call, type Problem } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { useFormat } from "../i18n/format.ts";
import { Choices } from "../ui/Choices.tsx";
import { FileDrop } from "../ui/FileDrop.tsx";
import { workPath } from "../ui/ids.ts";
import { hashFile } from "../verify/hash-file.ts";
import { type Commitment, pendingCommitments } from "./commitments.ts";
import { Committed, Registered } from "./Done.tsx";
import {
  COMMIT_STEPS,
  commitFile,
  MetadataRefused,
  REVEAL_STEPS,
  revealFile,
  SPLIT_STEPS,
  type StepName,
} from "./flow.ts";
import { MetadataForm } from "./MetadataForm.tsx";
import { NearDuplicates } from "./NearDuplicates.tsx";
import { Pending } from "./Pending.tsx";
import { deployment, ProblemError } from "./relay.ts";
import { Steps, type StepView } from "./Steps.tsx";
import { emptyForm, fieldOfPointer, formProblems, type WorkForm } from "./work-form.ts";

type Chosen = { file: File; sha256: Hex | null; read: number; preview: string | null };
type Check =
  | { state: "idle" | "checking" }
  | { state: "registered"; workId: string }
  | { state: "clear"; near: { workId: string; distance: number }[] }
  | { state: "failed"; problem: Problem };
type Result =
  | { kind: "registered"; workId: string; transactionHash: string | null }
  | { kind: "committed"; commitment: Commitment };

const RASTER = /^image\/(png|jpeg|gif|webp|avif)$/;

export default function RegisterPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { signer } = useAccount();
  const [revealing, setRevealing] = useState<Commitment | null>(null);
  const [chosen, setChosen] = useState<Chosen | null>(null);
  const [mode, setMode] = useState<"public" | "private">("public");
  const [payer, setPayer] = useState<"relay" | "wallet">("relay");
  const [check, setCheck] = useState<Check>({ state: "idle" });
  const [form, setForm] = useState<WorkForm>(emptyForm);
  const [problems, setProblems] = useState<Partial<Record<keyof WorkForm, string>>>({});
  const [steps, setSteps] = useState<StepView[] | null>(null);
  const [failure, setFailure] = useState<{ problem?: Problem; reason?: string } | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const [version, setVersion] = useState(0);
  const abort = useRef<AbortController | null>(null);
  const doneHeading = useRef<HTMLDivElement>(null);
  useEffect(() => () => abort.current?.abort(), []);
  useEffect(() => () => (chosen?.preview ? URL.revokeObjectURL(chosen.preview) : undefined), [chosen?.preview]);
  useEffect(() => {
    if (result) doneHeading.current?.querySelector("h2")?.focus();
  }, [result]);

  const isPublic = mode === "public" || revealing !== null;
  const sha256 = chosen?.sha256 ?? null;
  // Prior art: whether the file is registered (its hash asked), then, in public mode, works that look like it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the file's hash and the mode name what is checked
  useEffect(() => {
    if (!chosen || sha256 === null) return;
    let current = true;
    setCheck({ state: "checking" });
    void (async () => {
      const known = await call(api.GET("/api/verify/{sha256}", { params: { path: { sha256 } } }));
      if (!current) return;
      if (known.problem) return setCheck({ state: "failed", problem: known.problem });
      if (known.data.registered && known.data.work)
        return setCheck({ state: "registered", workId: known.data.work.workId });
      if (!isPublic) return setCheck({ state: "clear", near: [] });
      const near = await call(
        api.POST("/api/verify", {
          body: chosen.file as never,
          bodySerializer: (b: unknown) => b as Blob,
          headers: { "content-type": "application/octet-stream" },
        }),
      );
      if (!current) return;
      setCheck(
        near.problem ? { state: "failed", problem: near.problem } : { state: "clear", near: near.data.nearDuplicates },
      );
    })();
    return () => {
      current = false;
    };
  }, [sha256, isPublic]);

  const choose = async (file: File) => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setResult(null);
    setSteps(null);
    setFailure(null);
    setChosen({ file, sha256: null, read: 0, preview: RASTER.test(file.type) ? URL.createObjectURL(file) : null });
    try {
      const hash = (await hashFile(
        file,
        (read) => setChosen((c) => (c ? { ...c, read } : c)),
        controller.signal,
      )) as Hex;
      if (controller.signal.aborted) return;
      if (revealing && hash.toLowerCase() !== revealing.sha256.toLowerCase()) {
        setChosen(null);
        setFailure({ reason: t("register.notCommittedFile", { name: file.name, committed: revealing.fileName }) });
        return;
      }
      setChosen((c) => (c ? { ...c, sha256: hash, read: file.size } : c));
    } catch {
      if (!controller.signal.aborted) setFailure({ reason: t("verify.readFailed") });
    }
  };

  const report = (name: StepName, state: StepView["state"], note?: StepView["note"]) =>
    setSteps((all) => all?.map((s) => (s.name === name ? { name, state, ...(note ? { note } : {}) } : s)) ?? null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!signer || !chosen || sha256 === null) return;
    const found = isPublic ? formProblems(form, signer.address) : {};
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    const names: StepName[] = revealing
      ? [...REVEAL_STEPS]
      : isPublic
        ? [...COMMIT_STEPS, ...REVEAL_STEPS]
        : [...COMMIT_STEPS];
    if (isPublic && signer.kind === "wallet" && form.coOwners.length > 0) names.push(...SPLIT_STEPS);
    setSteps(names.map((name) => ({ name, state: "waiting" })));
    setFailure(null);
    const controller = new AbortController();
    abort.current = controller;
    try {
      const chain = await deployment();
      const commitment =
        revealing ??
        (await commitFile(
          signer,
          chain,
          { sha256, name: chosen.file.name, size: chosen.file.size },
          report,
          controller.signal,
          signer.kind === "wallet" && payer === "wallet",
        ));
      setVersion((v) => v + 1);
      if (!isPublic) return setResult({ kind: "committed", commitment });
      const done = await revealFile(signer, chain, commitment, chosen.file, form, report, controller.signal);
      setVersion((v) => v + 1);
      setRevealing(null);
      setResult({ kind: "registered", workId: done.workId, transactionHash: done.transactionHash });
    } catch (error) {
      if (controller.signal.aborted) return;
      if (error instanceof MetadataRefused) {
        const byField: Partial<Record<keyof WorkForm, string>> = {};
        for (const issue of error.issues) {
          const field = fieldOfPointer(issue.path);
          if (field) byField[field] = "register.fieldRefused";
        }
        setProblems(byField);
      }
      setFailure(
        error instanceof ProblemError
          ? { problem: error.problem }
          : { reason: error instanceof Error ? error.message : String(error) },
      );
    }
  };

  const pending = signer ? pendingCommitments(signer.address) : [];
  const running = steps !== null && result === null && failure === null;
  const hashing = chosen !== null && chosen.sha256 === null;
  return (
    <>
      <title>{`${t("register.title")} · ${t("app.name")}`}</title>
      <h1>{t("register.title")}</h1>
      <p className="lead">{t("register.lead")}</p>
      <AccountPanel />
      {signer && result === null && (
        <Pending
          key={version}
          commitments={pending}
          onReveal={(c) => {
            setRevealing(c);
            setChosen(null);
            setSteps(null);
          }}
        />
      )}
      {result === null && (
        <form className="register" noValidate onSubmit={(e) => void submit(e)} aria-labelledby="file-heading">
          <h2 id="file-heading">
            {revealing ? t("register.revealTitle", { name: revealing.fileName }) : t("register.fileTitle")}
          </h2>
          {!revealing && (
            <Choices
              legend={t("register.mode")}
              value={mode}
              onChange={setMode}
              choices={[
                { value: "public", label: t("register.public"), hint: t("register.publicHint") },
                { value: "private", label: t("register.private"), hint: t("register.privateHint") },
              ]}
            />
          )}
          {signer?.kind === "wallet" && !revealing && (
            <Choices
              legend={t("register.payer")}
              value={payer}
              onChange={setPayer}
              choices={[
                { value: "relay", label: t("register.payerRelay") },
                { value: "wallet", label: t("register.payerWallet") },
              ]}
            />
          )}
          <FileDrop
            label={t("register.choose")}
            hint={isPublic ? t("register.publicPrivacy") : t("verify.privacy")}
            onFile={(f) => void choose(f)}
          />
          {chosen !== null && (
            <div className="hashing">
              <label htmlFor="register-hash-progress">{t("verify.hashing", { name: chosen.file.name })}</label>
              <progress
                id="register-hash-progress"
                max={Math.max(chosen.file.size, 1)}
                value={hashing ? chosen.read : Math.max(chosen.file.size, 1)}
              />
              <p role="status">
                {hashing
                  ? t("verify.progress", {
                      read: format.bytes(chosen.read),
                      size: format.bytes(chosen.file.size),
                      percent: format.percentOfBps(Math.floor((chosen.read / Math.max(chosen.file.size, 1)) * 10_000)),
                    })
                  : t("verify.hashed", { size: format.bytes(chosen.file.size) })}
              </p>
            </div>
          )}
          {check.state === "checking" && <p role="status">{t("register.checking")}</p>}
          {check.state === "failed" && <ProblemMessage problem={check.problem} />}
          {check.state === "registered" && (
            <div className="problem" role="alert">
              <p>{t("register.already")}</p>
              <p>
                <Link href={workPath(check.workId)}>{t("register.openWork")}</Link>
              </p>
            </div>
          )}
          {check.state === "clear" && <NearDuplicates near={check.near} preview={chosen?.preview ?? null} />}
          {isPublic && (
            <MetadataForm form={form} problems={problems} onChange={setForm} coOwners={signer?.kind === "wallet"} />
          )}
          {!signer && <p className="hint">{t("register.needAccount")}</p>}
          <button type="submit" className="primary" disabled={!signer || check.state !== "clear" || running}>
            {revealing
              ? t("register.revealButton")
              : !isPublic
                ? t("register.commitButton")
                : signer?.kind === "wallet" && payer === "wallet"
                  ? t("register.registerPaidButton")
                  : t("register.registerButton")}
          </button>
        </form>
      )}
      {steps !== null && <Steps steps={steps} size={chosen?.file.size ?? 0} />}
      {failure !== null &&
        (failure.problem ? (
          <ProblemMessage problem={failure.problem} />
        ) : (
          <div className="problem" role="alert">
            <p>{t("register.failed")}</p>
            <p className="detail">{failure.reason}</p>
          </div>
        ))}
      <div ref={doneHeading}>
        {result?.kind === "registered" && (
          <Registered workId={result.workId} transactionHash={result.transactionHash} />
        )}
        {result?.kind === "committed" && <Committed commitment={result.commitment} />}
        {result !== null && (
          <p>
            <button
              type="button"
              onClick={() => {
                setResult(null);
                setChosen(null);
                setSteps(null);
                setCheck({ state: "idle" });
                setForm(emptyForm);
              }}
            >
              {t("register.another")}
            </button>
          </p>
        )}
      </div>
    </>
  );
}
