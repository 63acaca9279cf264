// @vitest-environment node
import { describe, expect, it } from "vitest";
import cases from "../test/limitCases.json";
import { checkStrategy, googleWidth, metaWidth, pointer, rebalance } from "./limits";
import type { CampaignStrategy } from "./types";

describe("character counting", () => {
  it("counts East Asian wide and fullwidth characters as 2 for Google", () => {
    expect(googleWidth("Trail shoes")).toBe(11);
    expect(googleWidth("日本語")).toBe(6);
    expect(googleWidth("ＡＢＣ")).toBe(6);
    expect(googleWidth("한국")).toBe(4);
    expect(googleWidth("ｶﾀｶﾅ")).toBe(4); // halfwidth katakana count 1
    expect(googleWidth("🏃")).toBe(2);
    expect(googleWidth("é")).toBe(1);
  });

  it("counts characters (code points) for Meta", () => {
    expect(metaWidth("日本語")).toBe(3);
    expect(metaWidth("🏃🏃")).toBe(2);
  });
});

describe("checkStrategy agrees with the gateway's platform_limits", () => {
  for (const c of cases as { name: string; strategy: CampaignStrategy; violations: { path: string; rule: string; message: string }[] }[]) {
    it(c.name, () => {
      const found = checkStrategy(c.strategy).map((v) => ({ path: v.path, rule: v.rule, message: v.message }));
      expect(found).toEqual(c.violations.map((v) => ({ path: pointer(v.path), rule: v.rule, message: v.message })));
    });
  }
});

describe("rebalance", () => {
  it("recomputes the split from the campaigns' budgets so the strategy stays valid", () => {
    const strategy = structuredClone((cases as { strategy: CampaignStrategy }[])[0].strategy);
    strategy.google_ads!.campaigns[0].daily_budget_micros = 80_000_000;
    expect(checkStrategy(strategy).map((v) => v.rule)).toContain("budget.split.campaign_mismatch");
    const balanced = rebalance(strategy);
    expect(balanced.daily_budget_micros).toBe(120_000_000);
    expect(balanced.budget_split.map((a) => [a.campaign_key, a.daily_budget_micros])).toEqual([
      ["g-trail", 80_000_000],
      ["m-trail", 40_000_000],
    ]);
    expect(checkStrategy(balanced)).toEqual([]);
  });
});
