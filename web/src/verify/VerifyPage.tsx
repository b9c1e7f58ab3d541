// Verify: a file hashed in this browser (never uploaded), or a SHA-256 from a certificate's QR code, asked of the API.
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation } from "wouter";
import { useFormat } from "../i18n/format.ts";
import { FileDrop } from "../ui/FileDrop.tsx";
import { isHash } from "../ui/ids.ts";
import { hashFile } from "./hash-file.ts";
import { Verdict } from "./Verdict.tsx";

type Hashing = { name: string; size: number; read: number; failed?: string };

export default function VerifyPage({ sha256 }: { sha256: string | undefined }) {
  const { t } = useTranslation();
  const format = useFormat();
  const [, navigate] = useLocation();
  const [hashing, setHashing] = useState<Hashing | null>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const choose = async (file: File) => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setHashing({ name: file.name, size: file.size, read: 0 });
    try {
      const hash = await hashFile(file, (read) => setHashing((h) => (h ? { ...h, read } : h)), controller.signal);
      if (controller.signal.aborted) return;
      setHashing((h) => (h ? { ...h, read: file.size } : h));
      // The hash goes into the address: the verdict can be shared, and is what a certificate's QR code opens.
      navigate(`/verify/${hash}`);
    } catch (error) {
      if (!controller.signal.aborted) setHashing((h) => (h ? { ...h, failed: String(error) } : h));
    }
  };

  const done = hashing !== null && hashing.read >= hashing.size;
  return (
    <>
      <title>{`${t("verify.title")} · ${t("app.name")}`}</title>
      <h1>{t("verify.title")}</h1>
      <p className="lead">{t("verify.lead")}</p>
      <FileDrop label={t("verify.choose")} hint={t("verify.privacy")} onFile={(file) => void choose(file)} />
      {hashing !== null && (
        <div className="hashing">
          <label htmlFor="hash-progress">{t("verify.hashing", { name: hashing.name })}</label>
          <progress
            id="hash-progress"
            max={Math.max(hashing.size, 1)}
            value={done ? Math.max(hashing.size, 1) : hashing.read}
          />
          <p role="status">
            {hashing.failed !== undefined
              ? t("verify.readFailed")
              : done
                ? t("verify.hashed", { size: format.bytes(hashing.size) })
                : t("verify.progress", {
                    read: format.bytes(hashing.read),
                    size: format.bytes(hashing.size),
                    percent: format.percentOfBps(Math.floor((hashing.read / Math.max(hashing.size, 1)) * 10_000)),
                  })}
          </p>
        </div>
      )}
      {sha256 !== undefined &&
        (hashing === null || done) &&
        (isHash(sha256) ? (
          <Verdict sha256={sha256.toLowerCase()} />
        ) : (
          <div className="problem" role="alert">
            <p>{t("verify.badHash")}</p>
          </div>
        ))}
    </>
  );
}
