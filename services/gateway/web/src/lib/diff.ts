// What changed between two versions of a strategy, in the marketer's words:
// "Google Ads › Trail shoes › Ad group Grip › Ad 1 › Headline 1: 'Old' → 'New'".

export interface Change {
  path: string[]; // raw path segments
  label: string; // human path
  kind: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

const IGNORED = new Set(["version", "strategy_id", "brief_id", "project_id", "generator", "model"]);

const WORDS: Record<string, string> = {
  google_ads: "Google Ads",
  meta: "Meta",
  campaigns: "Campaign",
  ad_groups: "Ad group",
  ad_sets: "Ad set",
  ads: "Ad",
  headlines: "Headline",
  descriptions: "Description",
  keywords: "Keyword",
  budget_split: "Budget split",
  daily_budget_micros: "Daily budget",
  audiences: "Audience",
  kpis: "KPI",
  warnings: "Warning",
  primary_text: "Primary text",
  call_to_action: "Call to action",
  link_url: "Link URL",
  final_url: "Final URL",
  path1: "Display path 1",
  path2: "Display path 2",
  match_type: "Match type",
  age_min: "Minimum age",
  age_max: "Maximum age",
};

function word(key: string): string {
  return WORDS[key] ?? key.charAt(0).toUpperCase() + key.slice(1).replace(/_/g, " ");
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Name a list item: by its `name` when it has one, else by its 1-based position. */
function itemLabel(listKey: string, item: unknown, index: number): string {
  const singular = word(listKey);
  if (isObject(item) && typeof item.name === "string" && item.name) return `${singular} ${item.name}`;
  return `${singular} ${index + 1}`;
}

function walk(before: unknown, after: unknown, path: string[], labels: string[], out: Change[]): void {
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) {
      if (path.length === 0 && IGNORED.has(key)) continue;
      walk(before[key], after[key], [...path, key], Array.isArray(before[key] ?? after[key]) ? labels : [...labels, word(key)], out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const listKey = path[path.length - 1] ?? "";
    const objects = before.some(isObject) || after.some(isObject);
    const length = Math.max(before.length, after.length);
    for (let i = 0; i < length; i++) {
      const label = itemLabel(listKey, after[i] ?? before[i], i);
      if (i >= before.length)
        out.push({ path: [...path, String(i)], label: [...labels, label].join(" › "), kind: "added", after: after[i] });
      else if (i >= after.length)
        out.push({ path: [...path, String(i)], label: [...labels, label].join(" › "), kind: "removed", before: before[i] });
      else if (objects) walk(before[i], after[i], [...path, String(i)], [...labels, label], out);
      else if (before[i] !== after[i])
        out.push({
          path: [...path, String(i)],
          label: [...labels, label].join(" › "),
          kind: "changed",
          before: before[i],
          after: after[i],
        });
    }
    return;
  }
  const label = labels.join(" › ") || "Strategy";
  if (before === undefined) out.push({ path, label, kind: "added", after });
  else if (after === undefined) out.push({ path, label, kind: "removed", before });
  else out.push({ path, label, kind: "changed", before, after });
}

export function diffStrategies(before: unknown, after: unknown): Change[] {
  const out: Change[] = [];
  walk(before, after, [], [], out);
  return out;
}

/** A short text for a changed value (money fields shown in currency units). */
export function showValue(value: unknown, key?: string, currency?: string): string {
  if (value === undefined || value === null) return "—";
  if (typeof value === "number" && key?.endsWith("_micros")) return `${(value / 1e6).toFixed(2)}${currency ? ` ${currency}` : ""}`;
  if (typeof value === "string") return `“${value}”`;
  if (isObject(value)) {
    if (typeof value.text === "string") return `“${value.text}” (${String(value.match_type ?? "")})`;
    if (typeof value.name === "string") return String(value.name);
    return JSON.stringify(value);
  }
  return String(value);
}
