// Choosing who signs: the built-in account (made, unlocked, imported or exported here) or an injected wallet.
import { type FormEvent, useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { type Keystore, KeystoreError } from "../../../core/keystore.ts";
import { Alert } from "../ui/Alert.tsx";
import { Hex } from "../ui/Hex.tsx";
import { useAccount } from "./context.tsx";
import {
  addressOf,
  createLocalAccount,
  forgetLocalAccount,
  importKeystore,
  keystoreFileName,
  storedKeystore,
  unlockLocalAccount,
} from "./local-account.ts";
import { localSigner, type Signer, walletSigner } from "./signer.ts";
import { discoverWallets, type InjectedWallet } from "./wallets.ts";

/** Shortest passphrase accepted for a new built-in account. */
const MIN_PASSPHRASE = 8;

function PassphraseField(props: { label: string; value: string; onChange: (v: string) => void; autoComplete: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type="password"
        autoComplete={props.autoComplete}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </div>
  );
}

/** Saves the keystore as a file, as wallets name theirs. */
function download(keystore: Keystore) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(keystore)], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = keystoreFileName(keystore);
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function CreateAccount({ onReady }: { onReady: (signer: Signer, keystore: Keystore) => void }) {
  const { t } = useTranslation();
  const [passphrase, setPassphrase] = useState("");
  const [again, setAgain] = useState("");
  const [understood, setUnderstood] = useState(false);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const checkId = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (passphrase.length < MIN_PASSPHRASE) return setError(t("account.tooShort", { count: MIN_PASSPHRASE }));
    if (passphrase !== again) return setError(t("account.mismatch"));
    if (!understood) return setError(t("account.mustUnderstand"));
    setBusy(true);
    const { keystore, privateKey } = await createLocalAccount(passphrase);
    setBusy(false);
    onReady(localSigner(privateKey), keystore);
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby={`${checkId}-legend`}>
      <h3 id={`${checkId}-legend`}>{t("account.create")}</h3>
      <p className="warning">{t("account.warning")}</p>
      <PassphraseField
        label={t("account.passphrase")}
        value={passphrase}
        onChange={setPassphrase}
        autoComplete="new-password"
      />
      <PassphraseField
        label={t("account.passphraseAgain")}
        value={again}
        onChange={setAgain}
        autoComplete="new-password"
      />
      <div className="field checkbox">
        <input id={checkId} type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} />
        <label htmlFor={checkId}>{t("account.understand")}</label>
      </div>
      <Alert message={error} />
      <button type="submit" disabled={busy}>
        {busy ? t("account.creating") : t("account.createButton")}
      </button>
    </form>
  );
}

function UnlockAccount({ keystore, onReady }: { keystore: Keystore; onReady: (signer: Signer) => void }) {
  const { t } = useTranslation();
  const [passphrase, setPassphrase] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      onReady(localSigner(await unlockLocalAccount(keystore, passphrase)));
    } catch (e) {
      setError(e instanceof KeystoreError && e.code === "WrongPassphrase" ? t("account.wrongPassphrase") : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)}>
      <h3>{t("account.unlock")}</h3>
      <p>
        {t("account.kept")} <Hex value={addressOf(keystore)} />
      </p>
      <PassphraseField
        label={t("account.passphrase")}
        value={passphrase}
        onChange={setPassphrase}
        autoComplete="current-password"
      />
      <Alert message={error} />
      <button type="submit" disabled={busy}>
        {busy ? t("account.unlocking") : t("account.unlockButton")}
      </button>
    </form>
  );
}

function ImportAccount({ onReady }: { onReady: (signer: Signer, keystore: Keystore) => void }) {
  const { t } = useTranslation();
  const fileId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [passphrase, setPassphrase] = useState("");
  const [error, setError] = useState("");
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return setError(t("account.chooseFile"));
    try {
      const { keystore, privateKey } = await importKeystore(await file.text(), passphrase);
      onReady(localSigner(privateKey), keystore);
    } catch (e) {
      const reason =
        e instanceof KeystoreError && e.code === "WrongPassphrase"
          ? t("account.wrongPassphrase")
          : t("account.notKeystore", { reason: e instanceof Error ? e.message : String(e) });
      setError(`${file.name}: ${reason}`);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)}>
      <h3>{t("account.import")}</h3>
      <div className="field">
        <label htmlFor={fileId}>{t("account.keystoreFile")}</label>
        <input
          id={fileId}
          type="file"
          accept=".json,application/json"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        />
      </div>
      <PassphraseField
        label={t("account.filePassphrase")}
        value={passphrase}
        onChange={setPassphrase}
        autoComplete="current-password"
      />
      <Alert message={error} />
      <button type="submit">{t("account.importButton")}</button>
    </form>
  );
}

/** The signer in use, and the choices when there is none yet. */
/**
 * The visit's signer, and the choices when there is none yet. With `payer`, only wallets are offered: the built-in
 * account holds no coins, so it signs for free but cannot pay.
 */
export function AccountPanel({ payer = false }: { payer?: boolean }) {
  const { t } = useTranslation();
  const { signer, setSigner: onSigner } = useAccount();
  const headingId = useId();
  const [keystore, setKeystore] = useState<Keystore | null>(storedKeystore);
  const [wallets, setWallets] = useState<InjectedWallet[]>([]);
  const [walletError, setWalletError] = useState("");
  useEffect(() => discoverWallets(setWallets), []);

  if (signer && !(payer && signer.kind === "local")) {
    return (
      <section className="account" aria-labelledby={headingId}>
        <h2 id={headingId}>{t("account.title")}</h2>
        <p>
          {signer.kind === "local" ? t("account.signingLocal") : t("account.signingWallet", { name: signer.name })}{" "}
          <Hex value={signer.address} />
        </p>
        <p className="actions">
          {signer.kind === "local" && keystore && (
            <button type="button" onClick={() => download(keystore)}>
              {t("account.export")}
            </button>
          )}
          <button type="button" onClick={() => onSigner(null)}>
            {t("account.switch")}
          </button>
        </p>
      </section>
    );
  }
  const chooseWallet = async (w: InjectedWallet) => {
    setWalletError("");
    try {
      onSigner(await walletSigner(w.provider, w.info.name));
    } catch (e) {
      setWalletError(
        t("account.walletRefused", { name: w.info.name, reason: e instanceof Error ? e.message : String(e) }),
      );
    }
  };
  return (
    <section className="account" aria-labelledby={headingId}>
      <h2 id={headingId}>{t("account.title")}</h2>
      <p className="hint">{payer ? t("account.payerLead") : t("account.lead")}</p>
      {payer && wallets.length === 0 && <p className="warning">{t("account.noWallet")}</p>}
      {wallets.length > 0 && (
        <div>
          <h3>{t("account.wallets")}</h3>
          <ul className="wallet-list">
            {wallets.map((w) => (
              <li key={w.info.uuid}>
                <button type="button" onClick={() => void chooseWallet(w)}>
                  {w.info.icon !== "" && <img src={w.info.icon} alt="" width={20} height={20} />}
                  {t("account.useWallet", { name: w.info.name })}
                </button>
              </li>
            ))}
          </ul>
          <Alert message={walletError} />
        </div>
      )}
      {payer ? null : keystore ? (
        <>
          <UnlockAccount keystore={keystore} onReady={onSigner} />
          <p>
            <button
              type="button"
              onClick={() => {
                if (window.confirm(t("account.forgetConfirm"))) {
                  forgetLocalAccount();
                  setKeystore(null);
                }
              }}
            >
              {t("account.forget")}
            </button>
          </p>
        </>
      ) : (
        <CreateAccount
          onReady={(s, k) => {
            setKeystore(k);
            onSigner(s);
          }}
        />
      )}
      {!payer && (
        <details>
          <summary>{t("account.importSummary")}</summary>
          <ImportAccount
            onReady={(s, k) => {
              setKeystore(k);
              onSigner(s);
            }}
          />
        </details>
      )}
    </section>
  );
}
