import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BriefFormView, defaultBrief } from "./BriefFormView";

afterEach(() => vi.unstubAllGlobals());

function fill(label: string | RegExp, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

function addTags(label: RegExp, text: string) {
  const input = screen.getByLabelText(label);
  fireEvent.change(input, { target: { value: text } });
  fireEvent.keyDown(input, { key: "Enter" });
}

describe("BriefFormView", () => {
  it("shows every problem at its field and sends nothing", async () => {
    const fetch = vi.fn();
    vi.stubGlobal("fetch", fetch);
    render(<BriefFormView projectId="p1" initial={{ ...defaultBrief(), landing_page_url: "" }} onSubmitted={() => undefined} />);
    fireEvent.click(screen.getByRole("button", { name: "Generate strategy" }));
    expect(await screen.findByText("Product is required")).toBeTruthy();
    expect(screen.getByText("Audience is required")).toBeTruthy();
    expect(screen.getByText("Choose a goal")).toBeTruthy();
    expect(screen.getByText("Budget is required")).toBeTruthy();
    expect(screen.getByText("Add at least one country, e.g. DE")).toBeTruthy();
    expect(screen.getByText("Add at least one language, e.g. en")).toBeTruthy();
    expect(screen.getByText("Landing page is required")).toBeTruthy();
    expect(screen.getByLabelText(/What are you advertising/).getAttribute("aria-invalid")).toBe("true");
    expect(fetch).not.toHaveBeenCalled();
  });

  it("refuses a budget finer than the currency allows, as the API does", async () => {
    render(<BriefFormView projectId="p1" initial={defaultBrief("https://acme.example")} onSubmitted={() => undefined} />);
    fill(/Budget/, "10.005");
    fireEvent.click(screen.getByRole("button", { name: "Generate strategy" }));
    expect(await screen.findByText(/finer than the smallest unit of EUR/)).toBeTruthy();
  });

  it("posts a valid brief and shows the API's field errors when it refuses", async () => {
    const fetch = vi
      .fn()
      .mockResolvedValueOnce(
        new Response(
          JSON.stringify({
            title: "Validation failed",
            status: 422,
            detail: "x",
            errors: [{ field: "/landing_page_url", message: "The landing page answered 404" }],
          }),
          {
            status: 422,
            headers: { "content-type": "application/problem+json" },
          },
        ),
      )
      .mockResolvedValueOnce(
        new Response(JSON.stringify({ id: "b1", status: "generating" }), { status: 202, headers: { "content-type": "application/json" } }),
      );
    vi.stubGlobal("fetch", fetch);
    const submitted = vi.fn();
    render(<BriefFormView projectId="p1" initial={defaultBrief("https://acme.example/trail")} onSubmitted={submitted} />);
    fill(/What are you advertising/, "Trail running shoes");
    fill(/Who should see it/, "Runners aged 25-45");
    fireEvent.click(screen.getByLabelText(/^Sales/));
    fill(/Budget/, "100");
    addTags(/^Countries/, "de, at");
    addTags(/^Languages/, "DE");
    fireEvent.click(screen.getByRole("button", { name: "Generate strategy" }));
    expect(await screen.findByText("The landing page answered 404")).toBeTruthy();
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe("/api/v1/projects/p1/briefs");
    expect(JSON.parse(init.body)).toMatchObject({
      product: "Trail running shoes",
      goal: "sales",
      budget: { amount: "100", currency: "EUR", period: "daily" },
      platforms: ["google_ads", "meta"],
      locations: ["DE", "AT"],
      languages: ["de"],
      landing_page_url: "https://acme.example/trail",
    });
    fireEvent.click(screen.getByRole("button", { name: "Generate strategy" }));
    await waitFor(() => expect(submitted).toHaveBeenCalledWith("b1"));
  });
});
