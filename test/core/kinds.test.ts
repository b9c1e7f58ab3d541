// The title's and the audit's kinds of entry: one vocabulary for the API, the evidence bundle and the web.
import { expect } from "chai";
import { AUDIT_KINDS, TITLE_KINDS } from "../../core/evidence/kinds.ts";

describe("kinds of title entry", () => {
  it("offers audits only kinds a chain of title has, each once", () => {
    const titleKinds = new Set(Object.values(TITLE_KINDS));
    for (const kind of AUDIT_KINDS) expect(titleKinds.has(kind), kind).to.equal(true);
    expect(new Set(AUDIT_KINDS).size).to.equal(AUDIT_KINDS.length);
  });
});
