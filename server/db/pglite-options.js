// @ts-check
// Plain JavaScript, like ./pglite-worker.js, which imports it: see there why.
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";

/**
 * Postgres's page cache (`shared_buffers`) of a database that is opened without a size: the indexer alone writes as
 * fast with 16 MB as with more (measured with `npm run bench:indexer`). Reads of a large mirror are another matter:
 * every page Postgres does not hold is read through PGlite's file system layer, so the API's processes open it with
 * more (`--db-cache-mb`). The cache is memory the process holds from the start: PGlite zeroes it when it opens.
 */
export const DEFAULT_CACHE_MB = 16;

/**
 * PGlite's settings with a page cache of `cacheMb` MB.
 * @param {number} cacheMb
 * @returns {string}
 */
export function pgliteSettings(cacheMb) {
  return `shared_buffers = ${cacheMb}MB\nwal_buffers = 1MB`;
}

/**
 * The options every PGlite database is created with (its template cluster too); a worker opens it with its own cache.
 * @type {import("@electric-sql/pglite").PGliteOptions}
 */
export const pgliteOptions = { extensions: { pg_trgm }, postgresqlconf: pgliteSettings(DEFAULT_CACHE_MB) };
