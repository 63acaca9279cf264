// @vitest-environment node
import { describe, expect, it } from "vitest";
import { type BriefForm, briefBody, projectBody, validateBrief, validateLogin, validateProject, validateSignup } from "./validation";

const good: BriefForm = {
  product: "Trail running shoes",
  audience: "Runners aged 25-45",
  goal: "sales",
  amount: "100.00",
  currency: "EUR",
  period: "daily",
  start_date: "2030-01-01",
  end_date: "2030-01-31",
  platforms: ["google_ads", "meta"],
  locations: ["DE", "AT"],
  languages: ["de", "en"],
  landing_page_url: "https://acme.example/trail",
};

describe("sign-up and login", () => {
  it("needs an email, a password of at least 10 characters and an organization", () => {
    expect(validateSignup({ email: "", password: "short", organization_name: " " })).toEqual({
      "/email": "Email is required",
      "/password": "Use at least 10 characters",
      "/organization_name": "Organization name is required",
    });
    expect(validateSignup({ email: "no-at-sign", password: "x".repeat(10), organization_name: "Acme" })).toEqual({
      "/email": "Enter an email address like name@example.com",
    });
    expect(validateSignup({ email: "a@b.co", password: "x".repeat(257), organization_name: "A".repeat(201) })).toEqual({
      "/password": "Use at most 256 characters",
      "/organization_name": "Organization name must be at most 200 characters",
    });
    expect(validateSignup({ email: "ana@acme.example", password: "correct horse", organization_name: "Acme" })).toEqual({});
  });

  it("login needs both fields", () => {
    expect(Object.keys(validateLogin({ email: "", password: "" }))).toEqual(["/email", "/password"]);
  });
});

describe("project (business details)", () => {
  const business = { name: "Acme", website: "", industry: "", description: "", brand_voice: "" };
  it("requires the business name and an http(s) website when given", () => {
    expect(validateProject({ name: "", business: { ...business, name: "" } })).toMatchObject({
      "/name": "Project name is required",
      "/business/name": "Business name is required",
    });
    expect(validateProject({ name: "Acme", business: { ...business, website: "acme.example" } })).toEqual({
      "/business/website": "Website must start with http:// or https://, e.g. https://example.com",
    });
    expect(validateProject({ name: "Acme", business: { ...business, description: "d".repeat(5001) } })).toEqual({
      "/business/description": "Description must be at most 5000 characters",
    });
  });

  it("leaves empty optional fields out of the request", () => {
    expect(projectBody({ name: " Acme ", business: { ...business, website: "https://acme.example " } })).toEqual({
      name: "Acme",
      business: { name: "Acme", website: "https://acme.example" },
    });
  });
});

describe("brief", () => {
  it("accepts a complete brief and builds the API body", () => {
    expect(validateBrief(good)).toEqual({});
    expect(briefBody({ ...good, amount: "12,5", end_date: "" })).toMatchObject({
      budget: { amount: "12.5", currency: "EUR", period: "daily" },
      end_date: null,
    });
  });

  it("names each missing field by the API's JSON pointer", () => {
    const empty: BriefForm = {
      ...good,
      product: "",
      audience: "",
      goal: "",
      amount: "",
      start_date: "",
      platforms: [],
      locations: [],
      languages: [],
      landing_page_url: "",
    };
    expect(Object.keys(validateBrief(empty)).sort()).toEqual(
      [
        "/audience",
        "/budget/amount",
        "/goal",
        "/landing_page_url",
        "/languages",
        "/locations",
        "/platforms",
        "/product",
        "/start_date",
      ].sort(),
    );
  });

  it("checks the budget like the API: positive, at most 6 decimals, not finer than the currency", () => {
    expect(validateBrief({ ...good, amount: "0" })["/budget/amount"]).toBe("Enter a budget greater than 0, e.g. 50.00");
    expect(validateBrief({ ...good, amount: "-5" })["/budget/amount"]).toBeDefined();
    expect(validateBrief({ ...good, amount: "1.1234567" })["/budget/amount"]).toBe("Use at most 6 decimals");
    expect(validateBrief({ ...good, amount: "10.005" })["/budget/amount"]).toMatch(/finer than the smallest unit of EUR/);
    expect(validateBrief({ ...good, amount: "1000.5", currency: "JPY" })["/budget/amount"]).toBe("JPY has no decimals: use a whole amount");
    expect(validateBrief({ ...good, amount: "1000", currency: "JPY" })).toEqual({});
    expect(validateBrief({ ...good, currency: "eur" })["/budget/currency"]).toBeDefined();
  });

  it("checks dates, codes, limits and the landing page", () => {
    expect(validateBrief({ ...good, end_date: "2029-12-31" })["/end_date"]).toBe("The end date must not be before the start date");
    expect(validateBrief({ ...good, locations: ["DE", "Germany"] })["/locations"]).toBe(
      "Use two-letter country codes (ISO 3166), not Germany",
    );
    expect(validateBrief({ ...good, languages: ["EN"] })["/languages"]).toBe("Use two-letter language codes (ISO 639-1), not EN");
    expect(validateBrief({ ...good, locations: Array.from({ length: 51 }, () => "DE") })["/locations"]).toBe("At most 50 countries");
    expect(validateBrief({ ...good, product: "p".repeat(1001) })["/product"]).toBe("Product must be at most 1000 characters");
    expect(validateBrief({ ...good, landing_page_url: "www.acme.example" })["/landing_page_url"]).toMatch(/http/);
    expect(validateBrief({ ...good, platforms: ["meta", "meta"] })["/platforms"]).toBe("lists a platform twice");
  });
});
