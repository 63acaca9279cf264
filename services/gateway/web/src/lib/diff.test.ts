// @vitest-environment node
import { describe, expect, it } from "vitest";
import cases from "../test/limitCases.json";
import { diffStrategies } from "./diff";

describe("diffStrategies", () => {
  it("names a changed headline by campaign, ad group and ad", () => {
    const before = (cases as { strategy: Record<string, unknown> }[])[0].strategy;
    const after = structuredClone(before) as any;
    after.version = 2;
    after.google_ads.campaigns[0].ad_groups[0].ads[0].headlines[0] = "Trail Shoes That Grip";
    after.meta.campaigns[0].ad_sets[0].targeting.interests.push("Hiking");
    const changes = diffStrategies(before, after);
    expect(changes).toEqual([
      {
        path: ["google_ads", "campaigns", "0", "ad_groups", "0", "ads", "0", "headlines", "0"],
        label: "Google Ads › Campaign Trail shoes – Search › Ad group Trail running shoes › Ad 1 › Headline 1",
        kind: "changed",
        before: "Trail Running Shoes",
        after: "Trail Shoes That Grip",
      },
      {
        path: ["meta", "campaigns", "0", "ad_sets", "0", "targeting", "interests", "1"],
        label: "Meta › Campaign Trail shoes – Sales › Ad set Urban runners › Targeting › Interests 2",
        kind: "added",
        after: "Hiking",
      },
    ]);
  });
});
