// Evidence check, trustless: a bundle (and optionally the file) verified in this browser against a chain node.
import { type FormEvent, useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearch } from "wouter";
import { pemCertificates } from "../../../core/evidence/pem.ts";
import { type EvidenceVerification, verifyEvidence } from "../../../core/evidence/verify.ts";
import { api, call } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { FileDrop } from "../ui/FileDrop.tsx";
import { isHash } from "../ui/ids.ts";
import { Loading } from "../ui/Spinner.tsx";
import { chunksOf } from "../verify/hash-file.ts";
import { StepList, Summary } from "./StepList.tsx";

/** The node the server itself reads, when it publishes one in the page (see server/api/web.ts); else empty. */
function serverNode(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="titlechain-chain-rpc"]')?.content ?? "";
}

/** Where the bundle came from: a file the reader chose, or the server (opened from a work's page). */
type Source = { file: string } | { work: string };
type Bundle = { source: Source; value: unknown } | { source: Source; error: string };

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

async function readText(file: File): Promise<string> {
  return new TextDecoder().decode(await file.arrayBuffer());
}

export default function EvidencePage() {
  const { t } = useTranslation();
  const id = useId();
  const work = new URLSearchParams(useSearch()).get("work");
  const [bundle, setBundle] = useState<Bundle | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [platform, setPlatform] = useState<string[]>([]);
  const [tsaRoots, setTsaRoots] = useState<string[]>([]);
  const [rpc, setRpc] = useState(serverNode);
  const [running, setRunning] = useState(false);
  const [outcome, setOutcome] = useState<{ result: EvidenceVerification } | { error: string } | null>(null);
  const [loadProblem, setLoadProblem] = useState<Parameters<typeof ProblemMessage>[0]["problem"] | null>(null);

  // Opened from a work's page: its bundle, fetched from the API (checking it is what trusts nothing but the node).
  useEffect(() => {
    if (work === null || !isHash(work)) return;
    let current = true;
    void call(api.GET("/api/works/{workId}/evidence", { params: { path: { workId: work } } })).then((answer) => {
      if (!current) return;
      if (answer.problem) setLoadProblem(answer.problem);
      else setBundle({ source: { work }, value: answer.data });
    });
    return () => {
      current = false;
    };
  }, [work]);

  const chooseBundle = async (chosen: File) => {
    setOutcome(null);
    try {
      setBundle({ source: { file: chosen.name }, value: JSON.parse(await readText(chosen)) });
    } catch {
      setBundle({ source: { file: chosen.name }, error: t("evidence.notJson") });
    }
  };

  const run = async (event: FormEvent) => {
    event.preventDefault();
    if (!bundle || "error" in bundle || !isHttpUrl(rpc)) return;
    setRunning(true);
    setOutcome(null);
    try {
      const result = await verifyEvidence(bundle.value, {
        rpc,
        ...(file ? { file: chunksOf(file, () => {}) } : {}),
        ...(tsaRoots.length > 0 ? { tsaRoots } : {}),
        ...(platform.length > 0 ? { platformCertificates: platform } : {}),
      });
      setOutcome({ result });
    } catch (error) {
      setOutcome({ error: error instanceof Error ? error.message : String(error) });
    } finally {
      setRunning(false);
    }
  };

  const rpcValid = isHttpUrl(rpc);
  return (
    <>
      <title>{`${t("evidence.title")} · ${t("app.name")}`}</title>
      <h1>{t("evidence.title")}</h1>
      <p className="lead">{t("evidence.lead")}</p>
      <form className="evidence-form" onSubmit={(e) => void run(e)}>
        <FileDrop label={t("evidence.bundle")} accept=".json,application/json" onFile={(f) => void chooseBundle(f)} />
        {loadProblem && <ProblemMessage problem={loadProblem} notFound={t("work.notFound")} />}
        {work !== null && bundle === null && !loadProblem && <Loading label={t("evidence.loadingBundle")} />}
        {bundle && (
          <p role="status" className={"error" in bundle ? "problem" : "chosen"}>
            {"error" in bundle
              ? bundle.error
              : t("evidence.bundleChosen", {
                  source:
                    "work" in bundle.source
                      ? t("evidence.fromServer", { work: bundle.source.work })
                      : bundle.source.file,
                })}
          </p>
        )}
        <FileDrop label={t("evidence.file")} hint={t("evidence.fileHint")} onFile={setFile} />
        {file && <p className="chosen">{t("evidence.fileChosen", { name: file.name })}</p>}
        <div className="field">
          <label htmlFor={`${id}-rpc`}>{t("evidence.rpc")}</label>
          <input
            id={`${id}-rpc`}
            type="url"
            value={rpc}
            required
            aria-describedby={`${id}-rpc-hint`}
            onChange={(e) => setRpc(e.target.value.trim())}
          />
          <p id={`${id}-rpc-hint`} className="hint">
            {serverNode() === "" ? t("evidence.rpcNone") : t("evidence.rpcHint")}
          </p>
        </div>
        <details className="trust">
          <summary>{t("evidence.trust")}</summary>
          <FileDrop
            label={t("evidence.platformCert")}
            hint={t("evidence.platformCertHint")}
            accept=".pem,.crt,.cer"
            onFile={(f) => void readText(f).then((text) => setPlatform(pemCertificates(text)))}
          />
          {platform.length > 0 && <p className="chosen">{t("evidence.certificates", { n: platform.length })}</p>}
          <FileDrop
            label={t("evidence.tsaRoots")}
            hint={t("evidence.tsaRootsHint")}
            accept=".pem,.crt,.cer"
            onFile={(f) => void readText(f).then((text) => setTsaRoots(pemCertificates(text)))}
          />
          {tsaRoots.length > 0 && <p className="chosen">{t("evidence.certificates", { n: tsaRoots.length })}</p>}
        </details>
        <button type="submit" disabled={running || !bundle || "error" in bundle || !rpcValid}>
          {t("evidence.check")}
        </button>
        {!rpcValid && rpc !== "" && <p className="hint">{t("evidence.rpcInvalid")}</p>}
      </form>
      <section aria-labelledby="evidence-result" className="evidence-result">
        <h2 id="evidence-result">{t("evidence.result")}</h2>
        {running && <Loading label={t("evidence.running")} />}
        {outcome === null && !running && <p>{t("evidence.notYet")}</p>}
        {outcome && "error" in outcome && (
          <div className="problem" role="alert">
            <p>{t("evidence.unreachable", { rpc })}</p>
            <p className="detail">
              {t("errors.detail")} <span lang="en">{outcome.error}</span>
            </p>
          </div>
        )}
        {outcome && "result" in outcome && (
          <>
            <Summary result={outcome.result} />
            <StepList result={outcome.result} />
          </>
        )}
      </section>
    </>
  );
}
