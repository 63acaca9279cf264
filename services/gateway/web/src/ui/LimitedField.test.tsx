import { fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { LimitedField } from "./LimitedField";

function Harness({ initial, counting = "google" as const, limit = 30 }: { initial: string; counting?: "google" | "meta"; limit?: number }) {
  const [value, setValue] = useState(initial);
  return <LimitedField label="Headline 1" value={value} limit={limit} counting={counting} onChange={setValue} />;
}

describe("LimitedField (live character counter)", () => {
  it("counts as the user types and turns invalid past the limit", () => {
    render(<Harness initial="Trail shoes" />);
    const input = screen.getByLabelText("Headline 1");
    expect(screen.getByText("11/30")).toBeTruthy();
    expect(input.getAttribute("aria-invalid")).toBeNull();

    fireEvent.change(input, { target: { value: "A".repeat(31) } });
    expect(screen.getByText("31/30")).toBeTruthy();
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByRole("alert").textContent).toBe("1 over the limit of 30 (wide characters count 2): shorten it to save");

    fireEvent.change(input, { target: { value: "A".repeat(30) } });
    expect(screen.getByText("30/30")).toBeTruthy();
    expect(input.getAttribute("aria-invalid")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("counts double-width characters as 2 for Google", () => {
    render(<Harness initial={"日".repeat(15)} />);
    expect(screen.getByText("30/30")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Headline 1"), { target: { value: "日".repeat(16) } });
    expect(screen.getByText("32/30")).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toMatch(/^2 over the limit of 30/);
  });

  it("counts characters for Meta", () => {
    render(<Harness initial={"日".repeat(40)} counting="meta" limit={40} />);
    expect(screen.getByText("40/40")).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("ties the counter to the input for screen readers", () => {
    render(<Harness initial="Run" />);
    const input = screen.getByLabelText("Headline 1");
    const ids = (input.getAttribute("aria-describedby") ?? "").split(" ");
    expect(ids.map((id) => document.getElementById(id)?.textContent)).toContain("3/30 characters (wide characters count 2)");
  });
});
