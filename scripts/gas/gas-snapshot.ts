// Where the committed gas snapshot lives and how much a figure may grow over it.
import { fileURLToPath } from "node:url";

/** The committed gas snapshot; `npm run bench:gas -- --update-snapshot` rewrites it. */
export const gasSnapshotPath = fileURLToPath(new URL("../../test/gas/gas-snapshot.json", import.meta.url));

/** A figure may grow by at most this fraction over the snapshot before the tests fail. */
export const gasRegressionTolerance = 0.02;
