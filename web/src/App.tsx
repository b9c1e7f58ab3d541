// The layout every page shares (skip link, header with navigation and language switch, footer) and the routes.
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Link, Route, Switch } from "wouter";
import { AccountProvider } from "./account/context.tsx";
import { LanguageSwitch } from "./i18n/LanguageSwitch.tsx";
import { SearchPage } from "./search/SearchPage.tsx";
import { Loading } from "./ui/Spinner.tsx";

// The first page (search) comes with the entry; the others load when first opened.
const WorkPage = lazy(() => import("./work/WorkPage.tsx"));
const VerifyPage = lazy(() => import("./verify/VerifyPage.tsx"));
const EvidencePage = lazy(() => import("./evidence/EvidencePage.tsx"));
const AuditPage = lazy(() => import("./audit/AuditPage.tsx"));
const RegisterPage = lazy(() => import("./register/RegisterPage.tsx"));
const MyLicencesPage = lazy(() => import("./licences/MyLicencesPage.tsx"));
const CreatorPage = lazy(() => import("./creator/CreatorPage.tsx"));
const MarketPage = lazy(() => import("./market/MarketPage.tsx"));
const EarningsPage = lazy(() => import("./exchange/EarningsPage.tsx"));

function NotFound() {
  const { t } = useTranslation();
  return (
    <>
      <title>{`${t("notFound.title")} · Titlechain`}</title>
      <h1>{t("notFound.title")}</h1>
      <p>{t("notFound.body")}</p>
      <p>
        <Link href="/">{t("nav.search")}</Link>
      </p>
    </>
  );
}

export function App() {
  const { t } = useTranslation();
  return (
    <AccountProvider>
      <a className="skip-link" href="#main">
        {t("nav.skip")}
      </a>
      <header className="site-header">
        <Link href="/" className="brand">
          {t("app.name")}
        </Link>
        <nav aria-label={t("nav.label")}>
          <ul>
            <li>
              <Link href="/">{t("nav.search")}</Link>
            </li>
            <li>
              <Link href="/register">{t("nav.register")}</Link>
            </li>
            <li>
              <Link href="/licences">{t("nav.licences")}</Link>
            </li>
            <li>
              <Link href="/verify">{t("nav.verify")}</Link>
            </li>
            <li>
              <Link href="/evidence">{t("nav.evidence")}</Link>
            </li>
            <li>
              <Link href="/audit">{t("nav.audit")}</Link>
            </li>
            <li>
              <Link href="/market">{t("market.nav")}</Link>
            </li>
            <li>
              <Link href="/earnings">{t("exchange.earningsNav")}</Link>
            </li>
          </ul>
        </nav>
        <LanguageSwitch />
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Switch>
            <Route path="/" component={SearchPage} />
            <Route path="/works/:id">{(params) => <WorkPage id={params.id} />}</Route>
            <Route path="/verify/:sha256?">{(params) => <VerifyPage sha256={params.sha256} />}</Route>
            <Route path="/evidence" component={EvidencePage} />
            <Route path="/audit" component={AuditPage} />
            <Route path="/register" component={RegisterPage} />
            <Route path="/licences" component={MyLicencesPage} />
            <Route path="/creators/:account">{(params) => <CreatorPage account={params.account} />}</Route>
            <Route path="/market" component={MarketPage} />
            <Route path="/earnings" component={EarningsPage} />
            <Route component={NotFound} />
          </Switch>
        </Suspense>
      </main>
      <footer className="site-footer">
        <p>{t("app.tagline")}</p>
        <p>
          <a href="/api/docs">{t("nav.apiDocs")}</a>
        </p>
      </footer>
    </AccountProvider>
  );
}
