// Vite plugin: core's Ajv validators compiled at build time, so the browser never evaluates code (CSP without 'unsafe-eval').
import { Ajv } from "ajv";
import standaloneModule from "ajv/dist/standalone/index.js";
import type { Plugin } from "vite";
import evidenceBundleSchema from "../../core/evidence/evidence-bundle.v1.schema.json" with { type: "json" };

/**
 * The schemas core compiles with Ajv at run time, and the options it compiles them with. Ajv compiles a schema to
 * JavaScript and evaluates it with `new Function`, which a strict Content-Security-Policy forbids; its standalone mode
 * writes the same validator as a module instead. The shim (`src/evidence/precompiled-ajv.ts`) stands in for Ajv in
 * the browser and hands out these validators, refusing any other schema or options.
 */
export const PRECOMPILED = [{ schema: evidenceBundleSchema, options: { allErrors: true, strict: false } }] as const;

type Standalone = (ajv: Ajv, validate: unknown) => string;
// A CommonJS module: its default export is `module.exports` under Node, the function itself under some bundlers.
const standalone =
  (standaloneModule as unknown as { default?: Standalone }).default ?? (standaloneModule as unknown as Standalone);

const SHIM = new URL("../src/evidence/precompiled-ajv.ts", import.meta.url).pathname;
const VIRTUAL = "virtual:titlechain-validators";
const RESOLVED = `\0${VIRTUAL}`;

/** ES module source exporting `validators`: each schema's `$id`, the options it was compiled with and its validator. */
function validatorsModule(): string {
  const imports: string[] = [];
  const entries: string[] = [];
  PRECOMPILED.forEach(({ schema, options }, i) => {
    const ajv = new Ajv({ ...options, code: { source: true, esm: true } });
    let code = standalone(ajv, ajv.compile(schema));
    // Ajv's standalone ESM still requires its small runtime helpers: import them instead.
    code = code.replace(/require\("([^"]+)"\)/g, (_match: string, id: string) => {
      const name = `runtime${i}_${imports.length}`;
      imports.push(`import * as ${name} from ${JSON.stringify(id)};`);
      return `cjs(${name})`;
    });
    code = code
      .replace(/^"use strict";/, "")
      .replace(/export const validate = validate\w+;/, "")
      .replace(/export default (validate\w+);/, `const validator${i} = $1;`);
    entries.push(`{ id: ${JSON.stringify(schema.$id)}, options: ${JSON.stringify(options)}, validate: validator${i} }`);
    imports.push(`// ${schema.$id}\n${code}`);
  });
  const cjs =
    "function cjs(ns) { return typeof ns.default === 'function' ? { default: ns.default } : (ns.default ?? ns); }";
  return `${cjs}\n${imports.join("\n")}\nexport const validators = [${entries.join(", ")}];\n`;
}

export function precompiledAjv(): Plugin {
  return {
    name: "titlechain-precompiled-ajv",
    enforce: "pre",
    resolveId(id, importer) {
      if (id === VIRTUAL) return RESOLVED;
      // Core imports Ajv by its bare name; everything else (Ajv's own runtime helpers) resolves as usual.
      if (id === "ajv" && importer !== undefined && importer !== SHIM) return SHIM;
      return null;
    },
    load(id) {
      return id === RESOLVED ? validatorsModule() : null;
    },
  };
}
