import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import cases from "../../test/limitCases.json";
import type { CampaignStrategy, Strategy } from "../../lib/types";
import { Review, editPatch } from "./StrategyReview";

afterEach(() => vi.unstubAllGlobals());

function strategy(): Strategy {
  const document = structuredClone((cases as { strategy: CampaignStrategy }[])[0].strategy);
  return {
    id: document.strategy_id,
    project_id: document.project_id,
    brief_id: document.brief_id,
    version: 1,
    current_version: 1,
    approved_version: null,
    status: "draft",
    generator: "llm",
    model: "local-test-model",
    strategy: document,
    versions: [{ version: 1, source: "generated", created_at: "2026-11-01T10:00:00Z" }],
    updated_at: "2026-11-01T10:00:00Z",
  };
}

const save = () => screen.getByRole("button", { name: "Save changes" }) as HTMLButtonElement;

describe("strategy review", () => {
  it("shows which generator produced it", () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(() => new Promise(() => undefined)),
    );
    render(<Review strategy={strategy()} />);
    expect(screen.getByText("Drafted by AI · local-test-model")).toBeTruthy();
  });

  it("cannot save a Google headline over 30 characters (wide characters count 2)", async () => {
    const fetch = vi.fn(() => new Promise(() => undefined));
    vi.stubGlobal("fetch", fetch);
    render(<Review strategy={strategy()} />);
    const headline = screen.getByLabelText("Headline 1");
    expect(save().disabled).toBe(true); // nothing to save yet

    fireEvent.change(headline, { target: { value: "An Extremely Long Headline That Breaks" } });
    expect(screen.getByText("38/30")).toBeTruthy();
    expect(save().disabled).toBe(true);
    const bar = screen.getByRole("region", { name: "Save and approve" });
    expect(within(bar).getByText("1 problem to fix before saving")).toBeTruthy();
    expect(within(bar).getByText("Headline 1 is 38 characters; Google allows 30")).toBeTruthy();

    fireEvent.change(headline, { target: { value: "日本のトレイルシューズ最高峰モデ" } }); // 16 wide = 32
    expect(screen.getByText("32/30")).toBeTruthy();
    expect(save().disabled).toBe(true);

    fireEvent.change(headline, { target: { value: "日本のトレイルシューズ最高峰モ" } }); // 15 wide = 30
    expect(screen.getByText("30/30")).toBeTruthy();
    expect(save().disabled).toBe(false);
    const approve = screen.getByRole("button", { name: "Approve version 1" }) as HTMLButtonElement;
    expect(approve.disabled).toBe(true); // save first
    expect(fetch).not.toHaveBeenCalled();
  });

  it("saves an edit as the next version, conditional on the version edited", async () => {
    const saved = strategy();
    saved.version = saved.current_version = 2;
    saved.strategy = { ...saved.strategy, version: 2 };
    saved.strategy.google_ads!.campaigns[0].ad_groups[0].ads[0].headlines[0] = "Trail Shoes That Grip";
    const fetch = vi
      .fn()
      .mockResolvedValue(new Response(JSON.stringify(saved), { status: 200, headers: { "content-type": "application/json" } }));
    vi.stubGlobal("fetch", fetch);
    render(<Review strategy={strategy()} />);
    fireEvent.change(screen.getByLabelText("Headline 1"), { target: { value: "Trail Shoes That Grip" } });
    fireEvent.click(save());
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe(`/api/v1/strategies/${saved.id}`);
    expect(init.method).toBe("PATCH");
    expect(init.headers["If-Match"]).toBe('"1"');
    const body = JSON.parse(init.body);
    expect(body.strategy_id).toBeUndefined();
    expect(body.version).toBeUndefined();
    expect(body.google_ads.campaigns[0].ad_groups[0].ads[0].headlines[0]).toBe("Trail Shoes That Grip");
  });

  it("shows the API's limit errors at their fields when it refuses an edit", async () => {
    const fetch = vi.fn().mockResolvedValue(
      new Response(
        JSON.stringify({
          title: "Validation failed",
          status: 422,
          detail: "The edit breaks platform limits",
          errors: [{ field: "/google_ads/campaigns/0/ad_groups/0/ads/0/headlines/0", message: "Headline 1 is refused by the gateway" }],
        }),
        { status: 422, headers: { "content-type": "application/problem+json" } },
      ),
    );
    vi.stubGlobal("fetch", fetch);
    render(<Review strategy={strategy()} />);
    fireEvent.change(screen.getByLabelText("Headline 1"), { target: { value: "Still fine" } });
    fireEvent.click(save());
    expect(await screen.findAllByText("Headline 1 is refused by the gateway")).not.toHaveLength(0);
    expect(screen.getByLabelText("Headline 1").getAttribute("aria-invalid")).toBe("true");
  });

  it("keeps the budget split consistent when a campaign budget changes", () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(() => new Promise(() => undefined)),
    );
    render(<Review strategy={strategy()} />);
    fireEvent.change(screen.getAllByLabelText(/Daily budget/)[0], { target: { value: "80.00" } });
    expect(save().disabled).toBe(false);
    fireEvent.click(screen.getByRole("tab", { name: "Budget split" }));
    expect(screen.getByText("66.7%")).toBeTruthy();
  });

  it("sends the whole document without the fields an edit may not change", () => {
    const body = editPatch(strategy().strategy);
    expect(Object.keys(body)).not.toContain("generator");
    expect(Object.keys(body)).toContain("budget_split");
  });
});
