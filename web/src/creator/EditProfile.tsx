// Editing one's own creator profile: the fields signed by the account (EIP-712 Profile, no fee), then stored by the API.
import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Address } from "viem";
import { profileTypedData } from "../../../core/eip712.ts";
import { AccountPanel } from "../account/AccountPanel.tsx";
import { useAccount } from "../account/context.tsx";
import { deployment } from "../account/deployment.ts";
import { api, type Problem } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { AvatarField } from "./AvatarField.tsx";

export type ProfileFields = {
  nameZh: string;
  nameEn: string;
  craft: string;
  region: string;
  bio: string;
  avatarCid: string;
  links: string[];
};

const FIELDS = [
  ["nameZh", 100],
  ["nameEn", 100],
  ["craft", 100],
  ["region", 100],
] as const;

function Text(props: {
  name: string;
  label: string;
  value: string;
  max: number;
  long?: boolean;
  onChange: (v: string) => void;
}) {
  const id = useId();
  const common = {
    id,
    value: props.value,
    maxLength: props.max,
    onChange: (e: { target: { value: string } }) => props.onChange(e.target.value),
  };
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.long ? <textarea rows={4} {...common} /> : <input type="text" {...common} />}
    </div>
  );
}

/** The form for `account`'s own profile, shown to that account only; `onSaved` after the API stored it. */
export default function EditProfile({
  account,
  current,
  onSaved,
}: {
  account: string;
  current: ProfileFields | null;
  onSaved: () => void;
}) {
  const { t } = useTranslation();
  const { signer } = useAccount();
  const [fields, setFields] = useState<ProfileFields>(
    current ?? { nameZh: "", nameEn: "", craft: "", region: "", bio: "", avatarCid: "", links: [] },
  );
  const [links, setLinks] = useState((current?.links ?? []).join("\n"));
  const [state, setState] = useState<{ busy?: boolean; problem?: Problem }>({});
  if (!signer) return <AccountPanel />;
  if (signer.address.toLowerCase() !== account.toLowerCase()) return <p className="hint">{t("creator.notYours")}</p>;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true });
    try {
      const d = await deployment();
      const message = {
        ...fields,
        account: signer.address as Address,
        links: links
          .split("\n")
          .map((l) => l.trim())
          .filter((l) => l !== ""),
        issuedAt: BigInt(Math.floor(Date.now() / 1000)),
      };
      const signature = await signer.signTypedData(
        profileTypedData({ chainId: d.chainId, registry: d.registry, message }) as never,
      );
      const { error, response } = await api.PUT("/api/profiles/{account}", {
        params: { path: { account } },
        body: { ...message, issuedAt: message.issuedAt.toString(), signature },
      });
      if (!response.ok) {
        const e = (error ?? {}) as Partial<Problem>;
        setState({
          problem: {
            status: response.status,
            code: e.code ?? `Http${response.status}`,
            detail: e.detail ?? "",
            ...(e.field ? { field: e.field } : {}),
          },
        });
        return;
      }
      onSaved();
    } catch (error) {
      setState({
        problem: { status: 0, code: "Network", detail: error instanceof Error ? error.message : String(error) },
      });
    }
  };
  return (
    <form className="register" onSubmit={(e) => void save(e)} aria-labelledby="edit-profile-heading">
      <h2 id="edit-profile-heading">{t("creator.editTitle")}</h2>
      <p className="hint">{t("creator.editLead")}</p>
      {FIELDS.map(([name, max]) => (
        <Text
          key={name}
          name={name}
          label={t(`creator.field.${name}`)}
          value={fields[name]}
          max={max}
          onChange={(v) => setFields({ ...fields, [name]: v })}
        />
      ))}
      <Text
        name="bio"
        label={t("creator.field.bio")}
        value={fields.bio}
        max={2000}
        long
        onChange={(v) => setFields({ ...fields, bio: v })}
      />
      <Text name="links" label={t("creator.field.links")} value={links} max={2500} long onChange={setLinks} />
      <AvatarField cid={fields.avatarCid} onChange={(avatarCid) => setFields({ ...fields, avatarCid })} />
      {state.problem && <ProblemMessage problem={state.problem} />}
      <button type="submit" className="primary" disabled={state.busy === true}>
        {t("creator.signAndSave")}
      </button>
    </form>
  );
}
