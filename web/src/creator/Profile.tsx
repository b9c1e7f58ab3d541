// A creator's profile as the account signed it (names, craft, region, biography, links) and its counts; all as text.
import { useTranslation } from "react-i18next";
import type { paths } from "../../../client/index.ts";
import { useFormat } from "../i18n/format.ts";
import { Hex } from "../ui/Hex.tsx";
import { Avatar } from "./Avatar.tsx";

export type ProfilePage = paths["/api/profiles/{account}"]["get"]["responses"][200]["content"]["application/json"];

/** The creator's name in the reader's language, else the other's; null without a signed profile or a name. */
export function creatorName(page: ProfilePage, language: "zh" | "en"): string | null {
  const p = page.profile;
  if (p === null) return null;
  const [mine, theirs] = language === "zh" ? [p.nameZh, p.nameEn] : [p.nameEn, p.nameZh];
  return mine.trim() !== "" ? mine : theirs.trim() !== "" ? theirs : null;
}

export function Profile({ page }: { page: ProfilePage }) {
  const { t } = useTranslation();
  const format = useFormat();
  const p = page.profile;
  return (
    <>
      {p !== null && (
        <Avatar
          cid={p.avatarCid}
          alt={t("creator.avatarOf", { name: creatorName(page, format.language) ?? page.account })}
        />
      )}
      {p === null && <p className="lead">{t("creator.noProfile")}</p>}
      {p !== null && p.bio.trim() !== "" && <p className="description">{p.bio}</p>}
      <dl className="facts">
        <div>
          <dt>{t("creator.account")}</dt>
          <dd>
            <Hex value={page.account} />
          </dd>
        </div>
        {p !== null && p.nameZh.trim() !== "" && p.nameEn.trim() !== "" && (
          <div>
            <dt>{t("creator.names")}</dt>
            <dd>
              <span lang="zh-CN">{p.nameZh}</span> · <span lang="en">{p.nameEn}</span>
            </dd>
          </div>
        )}
        {p !== null && p.craft.trim() !== "" && (
          <div>
            <dt>{t("creator.craft")}</dt>
            <dd>{p.craft}</dd>
          </div>
        )}
        {p !== null && p.region.trim() !== "" && (
          <div>
            <dt>{t("creator.region")}</dt>
            <dd>{p.region}</dd>
          </div>
        )}
        <div>
          <dt>{t("creator.worksCreated")}</dt>
          <dd>{format.number(page.worksCreated)}</dd>
        </div>
        <div>
          <dt>{t("creator.sales")}</dt>
          <dd>
            {t("creator.salesValue", {
              sold: format.number(page.sales.asSeller),
              bought: format.number(page.sales.asBuyer),
            })}
          </dd>
        </div>
        {p !== null && p.links.length > 0 && (
          <div>
            <dt>{t("creator.links")}</dt>
            <dd>
              <ul className="work-links">
                {p.links.map((link) => (
                  <li key={link}>
                    {/* The API accepts only https:// links; they open as links to elsewhere, never trusted. */}
                    <a href={link} rel="noopener noreferrer nofollow ugc">
                      {link}
                    </a>
                  </li>
                ))}
              </ul>
            </dd>
          </div>
        )}
        {p !== null && (
          <div>
            <dt>{t("creator.signed")}</dt>
            <dd>
              <time dateTime={p.issuedAt}>{format.dateTime(p.issuedAt)}</time>
            </dd>
          </div>
        )}
      </dl>
    </>
  );
}
