// CSV cells of the audit export: nothing a spreadsheet would run as a formula.
import { expect } from "chai";
import { safeCell } from "../../server/api/routes/audit.ts";

describe("audit CSV cells", () => {
  it("prefixes text a spreadsheet would read as a formula with an apostrophe, and leaves the rest alone", () => {
    for (const formula of ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]) {
      expect(safeCell(formula), formula).to.equal(`'${formula}`);
    }
    for (const plain of ['{"from":"0xab"}', "licencePurchased", "2026-12-06T00:00:00.000Z", "0x12", "", "羌绣"]) {
      expect(safeCell(plain), plain).to.equal(plain);
    }
  });
});
