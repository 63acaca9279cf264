// Form validation that mirrors the gateway's request schemas (`zamc_gateway.schemas`) and the brief
// rules of `service_layer/briefs.py`, keyed by the same JSON pointers its 422 answers use, so a form
// shows the same message in the same place whether the browser or the API caught the mistake.
import { COUNTRY, URL_PATTERN, currencyDigits } from "./format";
import type { BriefRequest, Goal, Platform } from "./types";

export type Errors = Record<string, string>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const CURRENCY = /^[A-Z]{3}$/;
const LANGUAGE = /^[a-z]{2}$/;

export const LIMITS = {
  name: 200,
  shortText: 500,
  longText: 5000,
  url: 2048,
  email: 320,
  passwordMin: 10,
  passwordMax: 256,
  product: 1000,
  audience: 2000,
  locations: 50,
  languages: 20,
};

function required(errors: Errors, field: string, value: string, label: string, max: number) {
  const v = value.trim();
  if (!v) errors[field] = `${label} is required`;
  else if (v.length > max) errors[field] = `${label} must be at most ${max} characters`;
}

function optionalMax(errors: Errors, field: string, value: string | undefined, label: string, max: number) {
  if (value && value.trim().length > max) errors[field] = `${label} must be at most ${max} characters`;
}

function url(errors: Errors, field: string, value: string | undefined, label: string, isRequired: boolean) {
  const v = (value ?? "").trim();
  if (!v) {
    if (isRequired) errors[field] = `${label} is required`;
    return;
  }
  if (v.length > LIMITS.url) errors[field] = `${label} must be at most ${LIMITS.url} characters`;
  else if (!URL_PATTERN.test(v)) errors[field] = `${label} must start with http:// or https://, e.g. https://example.com`;
}

function email(errors: Errors, value: string) {
  const v = value.trim();
  if (!v) errors["/email"] = "Email is required";
  else if (v.length > LIMITS.email || !EMAIL.test(v)) errors["/email"] = "Enter an email address like name@example.com";
}

export function validateSignup(form: { email: string; password: string; organization_name: string }): Errors {
  const errors: Errors = {};
  email(errors, form.email);
  if (form.password.length < LIMITS.passwordMin) errors["/password"] = `Use at least ${LIMITS.passwordMin} characters`;
  else if (form.password.length > LIMITS.passwordMax) errors["/password"] = `Use at most ${LIMITS.passwordMax} characters`;
  required(errors, "/organization_name", form.organization_name, "Organization name", LIMITS.name);
  return errors;
}

export function validateLogin(form: { email: string; password: string }): Errors {
  const errors: Errors = {};
  email(errors, form.email);
  if (!form.password) errors["/password"] = "Password is required";
  return errors;
}

export interface BusinessForm {
  name: string;
  website: string;
  industry: string;
  description: string;
  brand_voice: string;
}

export function validateProject(form: { name: string; business: BusinessForm }): Errors {
  const errors: Errors = {};
  required(errors, "/name", form.name, "Project name", LIMITS.name);
  required(errors, "/business/name", form.business.name, "Business name", LIMITS.name);
  url(errors, "/business/website", form.business.website, "Website", false);
  optionalMax(errors, "/business/industry", form.business.industry, "Industry", LIMITS.shortText);
  optionalMax(errors, "/business/description", form.business.description, "Description", LIMITS.longText);
  optionalMax(errors, "/business/brand_voice", form.business.brand_voice, "Brand voice", LIMITS.shortText);
  return errors;
}

/** The request body of POST /projects (empty optional fields left out). */
export function projectBody(form: { name: string; business: BusinessForm }) {
  const business: Record<string, string> = { name: form.business.name.trim() };
  for (const key of ["website", "industry", "description", "brand_voice"] as const) {
    const v = form.business[key].trim();
    if (v) business[key] = v;
  }
  return { name: form.name.trim(), business };
}

export interface BriefForm {
  product: string;
  audience: string;
  goal: Goal | "";
  amount: string;
  currency: string;
  period: "daily" | "total";
  start_date: string;
  end_date: string;
  platforms: Platform[];
  locations: string[];
  languages: string[];
  landing_page_url: string;
}

/** Split "de, AT ,fr" into codes (the tag inputs accept typed or pasted lists). */
export function splitCodes(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function validateBrief(form: BriefForm): Errors {
  const errors: Errors = {};
  required(errors, "/product", form.product, "Product", LIMITS.product);
  required(errors, "/audience", form.audience, "Audience", LIMITS.audience);
  if (!form.goal) errors["/goal"] = "Choose a goal";
  const amount = form.amount.trim().replace(",", ".");
  if (!amount) errors["/budget/amount"] = "Budget is required";
  else if (!/^\d+(\.\d+)?$/.test(amount) || Number(amount) <= 0) errors["/budget/amount"] = "Enter a budget greater than 0, e.g. 50.00";
  else {
    const [whole, fraction = ""] = amount.split(".");
    if (fraction.length > 6 || whole.replace(/^0+/, "").length + fraction.length > 18) errors["/budget/amount"] = "Use at most 6 decimals";
    else if (CURRENCY.test(form.currency)) {
      const decimals = currencyDigits(form.currency);
      if (fraction.replace(/0+$/, "").length > decimals)
        errors["/budget/amount"] =
          decimals === 0
            ? `${form.currency} has no decimals: use a whole amount`
            : `is finer than the smallest unit of ${form.currency} (use at most 2 decimals)`;
    }
  }
  if (!CURRENCY.test(form.currency)) errors["/budget/currency"] = "Use a three-letter currency code, e.g. EUR";
  if (!/^\d{4}-\d{2}-\d{2}$/.test(form.start_date)) errors["/start_date"] = "Choose a start date";
  if (form.end_date) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(form.end_date)) errors["/end_date"] = "Enter a date";
    else if (form.start_date && form.end_date < form.start_date) errors["/end_date"] = "The end date must not be before the start date";
  }
  if (!form.platforms.length) errors["/platforms"] = "Choose at least one platform";
  else if (new Set(form.platforms).size !== form.platforms.length) errors["/platforms"] = "lists a platform twice";
  if (!form.locations.length) errors["/locations"] = "Add at least one country, e.g. DE";
  else if (form.locations.length > LIMITS.locations) errors["/locations"] = `At most ${LIMITS.locations} countries`;
  else {
    const bad = form.locations.filter((c) => !COUNTRY.test(c));
    if (bad.length) errors["/locations"] = `Use two-letter country codes (ISO 3166), not ${bad.join(", ")}`;
  }
  if (!form.languages.length) errors["/languages"] = "Add at least one language, e.g. en";
  else if (form.languages.length > LIMITS.languages) errors["/languages"] = `At most ${LIMITS.languages} languages`;
  else {
    const bad = form.languages.filter((c) => !LANGUAGE.test(c));
    if (bad.length) errors["/languages"] = `Use two-letter language codes (ISO 639-1), not ${bad.join(", ")}`;
  }
  url(errors, "/landing_page_url", form.landing_page_url, "Landing page", true);
  return errors;
}

export function briefBody(form: BriefForm): BriefRequest {
  return {
    product: form.product.trim(),
    audience: form.audience.trim(),
    goal: form.goal as Goal,
    budget: { amount: form.amount.trim().replace(",", "."), currency: form.currency, period: form.period },
    start_date: form.start_date,
    end_date: form.end_date || null,
    platforms: form.platforms,
    locations: form.locations,
    languages: form.languages,
    landing_page_url: form.landing_page_url.trim(),
  };
}

export function validateMember(form: { email: string }): Errors {
  const errors: Errors = {};
  email(errors, form.email);
  return errors;
}

export function validateApiKey(form: { name: string }): Errors {
  const errors: Errors = {};
  required(errors, "/name", form.name, "Key name", LIMITS.name);
  return errors;
}
