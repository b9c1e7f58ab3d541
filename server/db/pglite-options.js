// @ts-check
// Plain JavaScript, like ./pglite-worker.js, which imports it: see there why.
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";

/**
 * PGlite's settings. PostgreSQL's default 128 MB of shared buffers is sized for a server that owns its machine; the
 * embedded database shares a process with the API and the indexer, and the indexer's writes are the same speed with
 * 16 MB (measured with `npm run bench:indexer`), so the smaller pool leaves the memory to the rest of the process.
 */
const SETTINGS = "shared_buffers = 16MB\nwal_buffers = 1MB";

/**
 * The options every PGlite database is created with.
 * @type {import("@electric-sql/pglite").PGliteOptions}
 */
export const pgliteOptions = { extensions: { pg_trgm }, postgresqlconf: SETTINGS };
