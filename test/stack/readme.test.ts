// The README's promises about the project itself: every runtime dependency is named, with why it is there.
import { readFile } from "node:fs/promises";
import { expect } from "chai";

const ROOT = new URL("../../", import.meta.url);

describe("the README", () => {
  it("names every runtime dependency in its table, each with a reason, and nothing that is not one", async () => {
    const readme = await readFile(new URL("README.md", ROOT), "utf8");
    const pkg = JSON.parse(await readFile(new URL("package.json", ROOT), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const section = readme.split("## Dependencies and why each is here")[1]?.split("\n## ")[0] ?? "";
    const rows = section.split("\n").filter((line) => /^\| `/.test(line));
    const named = rows.flatMap((row) => [...(row.split("|")[1] ?? "").matchAll(/`([^`]+)`/g)].map((m) => m[1]));
    expect([...named].sort()).to.deep.equal(Object.keys(pkg.dependencies).sort());
    for (const row of rows) expect((row.split("|")[2] ?? "").trim(), row).to.have.length.above(10);
  });
});
