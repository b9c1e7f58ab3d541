// A creator's page (/creators/<address>): the profile it signed, its works, the licences it holds, its sales, its feed.
import { lazy, Suspense, useState } from "react";
import { useTranslation } from "react-i18next";
import { useAccount } from "../account/context.tsx";
import { api, apiHref, call, useApi } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { useFormat } from "../i18n/format.ts";
import { Loading } from "../ui/Spinner.tsx";
import { Activity } from "./Activity.tsx";
import { Licences } from "./Licences.tsx";
import { Portfolio } from "./Portfolio.tsx";
import { creatorName, Profile } from "./Profile.tsx";

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** The editing form (signing code included) loads when the account asks to edit its own profile. */
const EditProfile = lazy(() => import("./EditProfile.tsx"));

export default function CreatorPage({ account: given }: { account: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const valid = ADDRESS.test(given);
  const account = given.toLowerCase();
  const { signer } = useAccount();
  const [editing, setEditing] = useState(false);
  const [version, setVersion] = useState(0);
  const [saved, setSaved] = useState(false);
  const page = useApi(valid ? `${account}:${version}` : null, () =>
    call(api.GET("/api/profiles/{account}", { params: { path: { account } } })),
  );
  if (!valid) {
    return (
      <>
        <title>{`${t("creator.badAddress")} · ${t("app.name")}`}</title>
        <h1>{t("creator.badAddress")}</h1>
        <p>{t("creator.badAddressBody")}</p>
      </>
    );
  }
  if (page.state === "loading") return <Loading />;
  if (page.state === "failed") {
    return (
      <>
        <title>{`${t("creator.notFoundTitle")} · ${t("app.name")}`}</title>
        <h1>{t("creator.notFoundTitle")}</h1>
        <ProblemMessage problem={page.problem} notFound={t("creator.notFound")} />
      </>
    );
  }
  const name = creatorName(page.data, format.language) ?? t("creator.unnamed");
  return (
    <article className="creator">
      <title>{`${name} · ${t("app.name")}`}</title>
      <h1>{name}</h1>
      <Profile page={page.data} />
      {editing ? (
        <Suspense fallback={<Loading />}>
          <EditProfile
            account={account}
            current={page.data.profile}
            onSaved={() => {
              setEditing(false);
              setSaved(true);
              setVersion((v) => v + 1);
            }}
          />
        </Suspense>
      ) : (
        <p>
          {saved && <span role="status">{t("creator.saved")} </span>}
          <button
            type="button"
            onClick={() => {
              setSaved(false);
              setEditing(true);
            }}
          >
            {signer?.address.toLowerCase() === account ? t("creator.edit") : t("creator.editMine")}
          </button>
        </p>
      )}
      <p className="downloads">
        <a href={apiHref("/api/feeds/works.atom", {}, { creator: account })} type="application/atom+xml">
          {t("creator.follow")}
        </a>
      </p>
      <Portfolio account={account} total={page.data.worksCreated} />
      <Activity account={account} />
      <Licences account={account} />
    </article>
  );
}
