// The software's name and version, as evidence bundles and certificates state them.
import pkg from "../package.json" with { type: "json" };

export const software = { name: pkg.name, version: pkg.version } as const;
