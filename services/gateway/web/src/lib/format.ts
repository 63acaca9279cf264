// Numbers, money (integer micros beside an ISO currency) and dates in the reader's locale.
import type { CampaignBidding, GoogleBidding, Platform } from "./types";

export const MICROS = 1_000_000;

export const PLATFORM_NAMES: Record<Platform, string> = { google_ads: "Google Ads", meta: "Meta" };

export function platformName(platform: string): string {
  return PLATFORM_NAMES[platform as Platform] ?? platform;
}

const ZERO_DECIMAL = new Set([
  "BIF",
  "CLP",
  "DJF",
  "GNF",
  "ISK",
  "JPY",
  "KMF",
  "KRW",
  "PYG",
  "RWF",
  "UGX",
  "VND",
  "VUV",
  "XAF",
  "XOF",
  "XPF",
]);

// shared by the forms' validation (validation.ts) and the strategy limits (limits.ts)
export const URL_PATTERN = /^https?:\/\/[^\s/$.?#][^\s]*$/i;
export const COUNTRY = /^[A-Z]{2}$/;

export function currencyDigits(currency: string): number {
  return ZERO_DECIMAL.has(currency) ? 0 : 2;
}

export function money(micros: number | null | undefined, currency: string, options: { compact?: boolean } = {}): string {
  if (micros === null || micros === undefined) return "—";
  const digits = currencyDigits(currency);
  try {
    return new Intl.NumberFormat(undefined, {
      style: "currency",
      currency,
      notation: options.compact ? "compact" : "standard",
      minimumFractionDigits: options.compact ? 0 : digits,
      maximumFractionDigits: options.compact ? 1 : digits,
    }).format(micros / MICROS);
  } catch {
    return `${(micros / MICROS).toFixed(digits)} ${currency}`;
  }
}

/** "12.50" (currency units) from micros, for an input field. */
export function unitsFromMicros(micros: number, currency: string): string {
  return (micros / MICROS).toFixed(currencyDigits(currency));
}

/** Micros from "12.50"; null when not a positive amount. */
export function microsFromUnits(text: string): number | null {
  const trimmed = text.trim().replace(",", ".");
  if (!/^\d+(\.\d{1,6})?$/.test(trimmed)) return null;
  const [whole, fraction = ""] = trimmed.split(".");
  return Number(whole) * MICROS + Number(fraction.padEnd(6, "0"));
}

export function count(value: number | null | undefined, options: { compact?: boolean } = {}): string {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(undefined, {
    notation: options.compact ? "compact" : "standard",
    maximumFractionDigits: Number.isInteger(value) ? 0 : 1,
  }).format(value);
}

export function percent(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(undefined, { style: "percent", minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

export function ratio(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return `${value.toFixed(2)}×`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function date(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T00:00:00`) : new Date(iso);
  return d.toLocaleDateString(undefined, { dateStyle: "medium" });
}

export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const fmt = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  const abs = Math.abs(seconds);
  if (abs < 60) return fmt.format(seconds, "second");
  if (abs < 3600) return fmt.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return fmt.format(Math.round(seconds / 3600), "hour");
  return fmt.format(Math.round(seconds / 86400), "day");
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** "2026-11-03" in local time. */
export function isoDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function humanize(text: string): string {
  const s = text.replace(/_/g, " ").toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export const GOOGLE_BIDDING_NAMES: Record<GoogleBidding, string> = {
  MAXIMIZE_CONVERSIONS: "Maximise conversions",
  MAXIMIZE_CLICKS: "Maximise clicks",
  TARGET_CPA: "Target cost per acquisition",
  TARGET_ROAS: "Target return on ad spend",
  MANUAL_CPC: "Manual cost per click",
};

/** "Target return on ad spend 4.50", "Target cost per acquisition €12.34", "Maximise clicks"; null without bidding. */
export function biddingLabel(bidding: CampaignBidding | null | undefined, currency: string): string | null {
  if (!bidding) return null;
  const name = GOOGLE_BIDDING_NAMES[bidding.strategy] ?? bidding.strategy;
  if (bidding.target_roas) return `${name} ${bidding.target_roas.toFixed(2)}`;
  if (bidding.target_cpa_micros) return `${name} ${money(bidding.target_cpa_micros, currency)}`;
  return name;
}
