// Types every translation key against the English catalogue: a key that does not exist does not compile.
import "i18next";
import type en from "./en.json";

declare module "i18next" {
  interface CustomTypeOptions {
    resources: { translation: typeof en };
    returnNull: false;
  }
}
