import { describe, expect, it } from "vitest";
import { biddingLabel, currencyDigits, money } from "./format";

describe("biddingLabel", () => {
  it("names the strategy and its target the way the console's strategy editor does", () => {
    expect(biddingLabel({ strategy: "TARGET_ROAS", target_roas: 4.5 }, "EUR")).toBe("Target return on ad spend 4.50");
    expect(biddingLabel({ strategy: "TARGET_CPA", target_cpa_micros: 12_340_000 }, "EUR")).toBe(
      `Target cost per acquisition ${money(12_340_000, "EUR")}`,
    );
    expect(biddingLabel({ strategy: "MAXIMIZE_CLICKS" }, "EUR")).toBe("Maximise clicks");
    expect(biddingLabel(null, "EUR")).toBeNull();
  });
});

describe("currencyDigits", () => {
  it("knows the currencies without minor units", () => {
    expect(currencyDigits("JPY")).toBe(0);
    expect(currencyDigits("EUR")).toBe(2);
  });
});
