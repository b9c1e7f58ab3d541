// Stands in for Ajv in the browser: hands core the validators compiled at build time (build/precompiled-ajv.ts).
import { validators } from "virtual:titlechain-validators";

type Validator = ((value: unknown) => boolean) & { errors?: unknown[] | null };

/**
 * The part of Ajv's interface core uses (`new Ajv(options).compile(schema)`). A schema or options other than the
 * ones compiled at build time is a build mistake, reported as such rather than validated differently.
 */
export class Ajv {
  readonly #options: string;
  constructor(options: Record<string, unknown> = {}) {
    this.#options = JSON.stringify(options);
  }
  compile(schema: { $id?: string }): Validator {
    const found = validators.find((v) => v.id === schema.$id);
    if (!found) throw new Error(`no validator was compiled at build time for schema ${schema.$id ?? "(no $id)"}`);
    if (JSON.stringify(found.options) !== this.#options) {
      throw new Error(`schema ${schema.$id} was compiled with ${JSON.stringify(found.options)}, not ${this.#options}`);
    }
    return found.validate as Validator;
  }
}

export default Ajv;
