import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { clearCache } from "../../lib/store";
import Recommendations from "./Recommendations";

afterEach(() => {
  vi.unstubAllGlobals();
  clearCache();
});

const recommendation = {
  id: "r1",
  project_id: "p1",
  kind: "budget_shift",
  title: "Move 12 € a day from Google Ads to Meta",
  actions: [
    {
      platform: "google_ads",
      account_external_id: "2000000001",
      platform_object_id: "200",
      object_kind: "campaign",
      daily_budget_micros: 48_000_000,
    },
    { platform: "meta", account_external_id: "act_1", platform_object_id: "120", object_kind: "campaign", daily_budget_micros: 52_000_000 },
  ],
  evidence: {
    campaigns: [{ platform: "meta", campaign_id: "120", currency: "EUR", daily_budget_micros: 40_000_000, marginal_roas: 2.4 }],
    guardrails: { max_change_fraction: 0.3, cooldown_hours: 12, allow_provisional: false },
  },
  expected_impact: { metric: "conversion_value_micros", delta: 25_000_000, low: 5_000_000, high: 40_000_000 },
  confidence: 0.87,
  autopilot: false,
  status: "open",
  created_at: "2026-11-25T10:00:00Z",
  updated_at: "2026-11-25T10:00:00Z",
};

const applied = {
  ...recommendation,
  id: "r0",
  title: "Pause ad 3",
  status: "applied",
  applied_by: "autopilot",
  decided_at: "2026-11-24T09:00:00Z",
  change_ids: ["c1"],
};

const campaigns = [
  {
    id: "g",
    platform: "google_ads",
    platform_campaign_id: "200",
    name: "Trail – Search",
    currency: "EUR",
    daily_budget_micros: 60_000_000,
    pending_changes: [],
  },
  {
    id: "m",
    platform: "meta",
    platform_campaign_id: "120",
    name: "Trail – Sales",
    currency: "EUR",
    daily_budget_micros: 40_000_000,
    pending_changes: [],
  },
];

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

describe("Recommendations", () => {
  it("shows evidence, expected impact, guardrails and the audit, and applies", async () => {
    const fetch = vi.fn(async (url: string, init?: RequestInit) => {
      if (url.startsWith("/api/v1/recommendations?")) return json([recommendation, applied]);
      if (url.startsWith("/api/v1/campaigns")) return json(campaigns);
      if (url.endsWith("/autopilot")) return json({ project_id: "p1", enabled: false });
      if (url.endsWith("/r1/apply") && init?.method === "POST") return json({ ...recommendation, status: "apply_requested" }, 202);
      return json({}, 404);
    });
    vi.stubGlobal("fetch", fetch);
    render(<Recommendations params={{ projectId: "p1" }} />);

    const card = (await screen.findByRole("heading", { name: recommendation.title })).closest("section")!;
    expect(within(card).getByText(/Confidence 87\s?%/)).toBeTruthy();
    expect(within(card).getByText(/Expected impact:/).parentElement!.textContent).toMatch(
      /\+€25\.00 Conversion value \(likely between €5\.00 and €40\.00\)/,
    );
    expect(within(card).getByText("Google Ads: set the daily budget of Trail – Search to €48.00 (now €60.00)")).toBeTruthy();
    expect(within(card).getByText("Evidence")).toBeTruthy();
    expect(screen.getByText(/at most 30\s?% per step/)).toBeTruthy(); // guardrails from the evidence
    expect(screen.getByText("Waits 12 hours before changing the same campaign again.")).toBeTruthy();
    expect(screen.getByRole("switch", { name: "Autopilot off" }).getAttribute("aria-checked")).toBe("false");
    const audit = screen.getByRole("list", { name: "Decisions, newest first" });
    expect(within(audit).getByText("Pause ad 3")).toBeTruthy();
    expect(within(audit).getByText(/by autopilot/)).toBeTruthy();

    fireEvent.click(within(card).getByRole("button", { name: "Apply" }));
    await waitFor(() =>
      expect(fetch.mock.calls.some(([url, init]) => url === "/api/v1/recommendations/r1/apply" && init?.method === "POST")).toBe(true),
    );
  });

  it("offers no Apply for advice ZAMC cannot carry out, only Dismiss", async () => {
    const advice = { ...recommendation, id: "r2", kind: "warning", title: "Trail – Search is limited by its budget", actions: [] };
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) => {
        if (url.startsWith("/api/v1/recommendations?")) return json([advice]);
        if (url.startsWith("/api/v1/campaigns")) return json(campaigns);
        if (url.endsWith("/autopilot")) return json({ project_id: "p1", enabled: false });
        return json({}, 404);
      }),
    );
    render(<Recommendations params={{ projectId: "p1" }} />);
    const card = (await screen.findByRole("heading", { name: advice.title })).closest("section")!;
    expect(within(card).queryByRole("button", { name: "Apply" })).toBeNull();
    expect(within(card).getByText(/Advice only/)).toBeTruthy();
    expect(within(card).getByRole("button", { name: "Dismiss" })).toBeTruthy();
  });

  it("lists an apply the optimiser refused in the audit, with its reason", async () => {
    const refused = {
      ...recommendation,
      id: "r4",
      title: "Move 8 € a day to Google Ads",
      status: "refused",
      reason: "guardrails: cooldown: campaign 200 changed 3 h ago",
      decided_at: "2026-11-25T11:00:00Z",
    };
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) => {
        if (url.startsWith("/api/v1/recommendations?")) return json([refused]);
        if (url.startsWith("/api/v1/campaigns")) return json(campaigns);
        if (url.endsWith("/autopilot")) return json({ project_id: "p1", enabled: false });
        return json({}, 404);
      }),
    );
    render(<Recommendations params={{ projectId: "p1" }} />);
    const audit = await screen.findByRole("list", { name: "Decisions, newest first" });
    expect(within(audit).getByText(refused.title)).toBeTruthy();
    expect(within(audit).getByText("Not applied")).toBeTruthy();
    expect(within(audit).getByText(`Why: ${refused.reason}`)).toBeTruthy();
    expect(await screen.findByText("Nothing to decide right now")).toBeTruthy();
  });

  it("describes a bid-target change and offers to apply it", async () => {
    const bid = {
      ...recommendation,
      id: "r3",
      kind: "bid_adjustment",
      title: "Set the target ROAS of campaign 200 to 4.50",
      actions: [{ ...recommendation.actions[0], daily_budget_micros: null, target_roas: 4.5 }],
    };
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) => {
        if (url.startsWith("/api/v1/recommendations?")) return json([bid]);
        if (url.startsWith("/api/v1/campaigns")) return json(campaigns);
        if (url.endsWith("/autopilot")) return json({ project_id: "p1", enabled: false });
        return json({}, 404);
      }),
    );
    render(<Recommendations params={{ projectId: "p1" }} />);
    const card = (await screen.findByRole("heading", { name: bid.title })).closest("section")!;
    expect(within(card).getByText("Google Ads: set the target ROAS of Trail – Search to 4.50")).toBeTruthy();
    expect(within(card).getByRole("button", { name: "Apply" })).toBeTruthy();
  });

  it("says what happens when there is nothing to decide", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) => (url.endsWith("/autopilot") ? json({ project_id: "p1", enabled: true }) : json([]))),
    );
    render(<Recommendations params={{ projectId: "p1" }} />);
    expect(await screen.findByText("Nothing to decide right now")).toBeTruthy();
    expect((await screen.findByRole("switch", { name: "Autopilot on" })).getAttribute("aria-checked")).toBe("true");
  });

  it("says what to do when they cannot be loaded", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => json({ title: "Forbidden", status: 403, detail: "The viewer role may not read." }, 403)),
    );
    render(<Recommendations params={{ projectId: "p1" }} />);
    expect((await screen.findAllByText(/Ask an owner or admin of your organization for access/)).length).toBeGreaterThan(0);
    expect(screen.getAllByRole("button", { name: "Try again" }).length).toBeGreaterThan(0);
  });
});
