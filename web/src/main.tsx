// The web front end's entry: languages first, then the app into #root.
import { StrictMode, startTransition } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { setupI18n } from "./i18n/index.ts";
import "./styles.css";

await setupI18n();
const root = document.getElementById("root");
if (!root) throw new Error("no #root element in index.html");
// As a transition, the first render yields to the browser every few milliseconds instead of holding it in one task.
startTransition(() => {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
