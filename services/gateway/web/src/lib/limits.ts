// Platform limits as the gateway checks them (`zamc_events.platform_limits`), so the console can show
// live counters and refuse to save an edit the API would reject. The gateway stays the authority: its
// 422 answer is shown per field as well.
import { WIDE_RANGES } from "./eastAsianWide";
import { COUNTRY, URL_PATTERN, currencyDigits } from "./format";
import type { CampaignStrategy, GoogleAdGroup, GoogleSearchCampaign, MetaAd, MetaAdSet, MetaCampaign, ResponsiveSearchAd } from "./types";

export const GOOGLE = {
  headlinesMin: 3,
  headlinesMax: 15,
  headlineWidth: 30,
  descriptionsMin: 2,
  descriptionsMax: 4,
  descriptionWidth: 90,
  pathWidth: 15,
  keywordWidth: 80,
  keywordWords: 10,
  keywordForbidden: "!@%^*={};~`<>?\\|",
  nameLength: 255,
  minDailyBudgetMicros: 1_000_000,
  headlineForbidden: "!",
} as const;

export const META = {
  primaryTextLength: 125,
  headlineLength: 40,
  descriptionLength: 30,
  nameLength: 400,
  ageMin: 18,
  ageMax: 65,
  minAdSetDailyBudgetMicros: 1_000_000,
  specialAdCategories: ["HOUSING", "EMPLOYMENT", "CREDIT", "ISSUES_ELECTIONS_POLITICS", "FINANCIAL_PRODUCTS_SERVICES"],
  optimizationGoals: [
    "LINK_CLICKS",
    "LANDING_PAGE_VIEWS",
    "REACH",
    "IMPRESSIONS",
    "OFFSITE_CONVERSIONS",
    "LEAD_GENERATION",
    "POST_ENGAGEMENT",
    "VALUE",
  ],
  billingEvents: ["IMPRESSIONS", "LINK_CLICKS"],
} as const;

const SHARE_TOLERANCE = 0.001;

let wide: Uint32Array | null = null;

function wideRanges(): Uint32Array {
  if (wide) return wide;
  const pairs = WIDE_RANGES.split(" ");
  wide = new Uint32Array(pairs.length * 2);
  let end = 0;
  pairs.forEach((pair, i) => {
    const [gap, length] = pair.split(".").map((p) => parseInt(p, 36));
    const start = end + gap;
    end = start + length;
    wide![i * 2] = start;
    wide![i * 2 + 1] = end;
  });
  return wide;
}

export function isWide(codePoint: number): boolean {
  const r = wideRanges();
  let lo = 0;
  let hi = r.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (codePoint < r[mid * 2]) hi = mid - 1;
    else if (codePoint > r[mid * 2 + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Length as Google Ads counts it: East Asian Wide and Fullwidth characters count 2. */
export function googleWidth(text: string): number {
  let n = 0;
  for (const ch of text) n += isWide(ch.codePointAt(0)!) ? 2 : 1;
  return n;
}

/** Length as Meta counts it: one per character (code point). */
export function metaWidth(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export type Counting = "google" | "meta";

export function width(text: string, counting: Counting): number {
  return counting === "google" ? googleWidth(text) : metaWidth(text);
}

// Unicode categories Cc, Cf, Zl, Zp: line breaks and invisible formatting characters.
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

export interface Violation {
  path: string; // JSON pointer, as the gateway's 422 `errors[].field`
  rule: string;
  message: string;
}

/** "google_ads.campaigns[0].name" → "/google_ads/campaigns/0/name" (the gateway's `pointer`). */
export function pointer(path: string): string {
  return (
    "/" +
    path
      .replace(/\[(\d+)\]/g, ".$1")
      .split(".")
      .filter(Boolean)
      .join("/")
  );
}

class Checker {
  found: Violation[] = [];
  constructor(private s: CampaignStrategy) {}

  add(path: string, rule: string, message: string) {
    this.found.push({ path: pointer(path), rule, message });
  }

  text(
    path: string,
    rule: string,
    label: string,
    value: string | null | undefined,
    limit: number,
    counting: Counting,
    options: { required?: boolean; wideCountsTwo?: boolean } = {},
  ) {
    const required = options.required ?? true;
    if (value === null || value === undefined || !value.trim()) {
      if (required) this.add(path, `${rule}.required`, `${label} is empty`);
      return;
    }
    const wideTwo = options.wideCountsTwo ?? counting === "google";
    const w = wideTwo ? googleWidth(value) : metaWidth(value);
    if (w > limit) {
      const who = counting === "google" ? "Google" : "Meta";
      const unit = w === metaWidth(value) ? "characters" : "characters (wide characters count 2)";
      this.add(path, `${rule}.length`, `${label} is ${w} ${unit}; ${who} allows ${limit}`);
    }
    if (CONTROL.test(value)) this.add(path, `${rule}.control_chars`, `${label} contains a line break`);
  }

  count(path: string, rule: string, label: string, n: number, low: number, high: number) {
    if (n < low) this.add(path, `${rule}.min_count`, `${label}: ${n} given; at least ${low} needed`);
    else if (n > high) this.add(path, `${rule}.max_count`, `${label}: ${n} given; at most ${high} allowed`);
  }

  url(path: string, label: string, value: string) {
    if (!URL_PATTERN.test(value ?? "")) this.add(path, "url.invalid", `${label} must be an http:// or https:// URL`);
  }

  budget(path: string, label: string, micros: number, minimum: number) {
    const currency = this.s.currency;
    const unit = currencyDigits(currency) === 0 ? 1_000_000 : 10_000;
    if (micros < minimum)
      this.add(
        path,
        "budget.min",
        `${label} is ${(micros / 1e6).toFixed(2)} ${currency}; the minimum is ${(minimum / 1e6).toFixed(2)} ${currency}`,
      );
    if (micros % unit) this.add(path, "budget.currency_unit", `${label} must be a whole multiple of ${unit / 1e6} ${currency}`);
  }

  unique(path: string, rule: string, label: string, values: string[]) {
    const folded = values.map((v) => v.trim().toLowerCase());
    folded.forEach((v, i) => {
      if (v && folded.indexOf(v) !== i) this.add(`${path}[${i}]`, `${rule}.duplicate`, `${label} ${i + 1} repeats '${values[i]}'`);
    });
  }

  googleCampaign(path: string, c: GoogleSearchCampaign) {
    this.text(`${path}.name`, "google.campaign_name", "Campaign name", c.name, GOOGLE.nameLength, "google", { wideCountsTwo: false });
    this.budget(`${path}.daily_budget_micros`, "Campaign daily budget", c.daily_budget_micros, GOOGLE.minDailyBudgetMicros);
    if (c.bidding_strategy === "TARGET_CPA" && !c.target_cpa_micros)
      this.add(`${path}.target_cpa_micros`, "google.bidding.target_cpa", "Target CPA bidding needs a target CPA");
    if (c.bidding_strategy === "TARGET_ROAS" && !c.target_roas)
      this.add(`${path}.target_roas`, "google.bidding.target_roas", "Target ROAS bidding needs a target ROAS");
    c.locations.forEach((code, i) => {
      if (!COUNTRY.test(code))
        this.add(`${path}.locations[${i}]`, "google.location.code", `Location '${code}' is not a two-letter country code`);
    });
    this.count(`${path}.ad_groups`, "google.ad_groups", "Ad groups", c.ad_groups.length, 1, 20_000);
    this.unique(
      `${path}.ad_groups`,
      "google.ad_group_name",
      "Ad group name",
      c.ad_groups.map((g) => g.name),
    );
    c.ad_groups.forEach((g, i) => this.googleAdGroup(`${path}.ad_groups[${i}]`, g));
  }

  googleAdGroup(path: string, g: GoogleAdGroup) {
    this.text(`${path}.name`, "google.ad_group_name", "Ad group name", g.name, GOOGLE.nameLength, "google", { wideCountsTwo: false });
    this.count(`${path}.keywords`, "google.keywords", "Keywords", g.keywords.length, 1, 20_000);
    g.keywords.forEach((kw, i) => {
      const kpath = `${path}.keywords[${i}].text`;
      const label = `Keyword ${i + 1}`;
      this.text(kpath, "google.keyword", label, kw.text, GOOGLE.keywordWidth, "google");
      const words = kw.text.split(/\s+/).filter(Boolean).length;
      if (words > GOOGLE.keywordWords)
        this.add(kpath, "google.keyword.words", `${label} has ${words} words; Google allows ${GOOGLE.keywordWords}`);
      const bad = [...new Set([...kw.text].filter((ch) => GOOGLE.keywordForbidden.includes(ch)))].sort();
      if (bad.length)
        this.add(kpath, "google.keyword.chars", `${label} contains characters Google does not allow in keywords: ${bad.join(" ")}`);
    });
    this.count(`${path}.ads`, "google.ads", "Ads", g.ads.length, 1, 3);
    g.ads.forEach((ad, i) => this.googleAd(`${path}.ads[${i}]`, ad));
  }

  googleAd(path: string, ad: ResponsiveSearchAd) {
    this.count(`${path}.headlines`, "google.headlines", "Headlines", ad.headlines.length, GOOGLE.headlinesMin, GOOGLE.headlinesMax);
    ad.headlines.forEach((h, i) => {
      const hpath = `${path}.headlines[${i}]`;
      this.text(hpath, "google.headline", `Headline ${i + 1}`, h, GOOGLE.headlineWidth, "google");
      if ([...h].some((ch) => GOOGLE.headlineForbidden.includes(ch)))
        this.add(hpath, "google.headline.chars", `Headline ${i + 1} contains '!'; Google allows no exclamation marks in headlines`);
    });
    this.unique(`${path}.headlines`, "google.headline", "Headline", ad.headlines);
    this.count(
      `${path}.descriptions`,
      "google.descriptions",
      "Descriptions",
      ad.descriptions.length,
      GOOGLE.descriptionsMin,
      GOOGLE.descriptionsMax,
    );
    ad.descriptions.forEach((d, i) =>
      this.text(`${path}.descriptions[${i}]`, "google.description", `Description ${i + 1}`, d, GOOGLE.descriptionWidth, "google"),
    );
    this.unique(`${path}.descriptions`, "google.description", "Description", ad.descriptions);
    for (const name of ["path1", "path2"] as const) {
      const value = ad[name];
      if (value === null || value === undefined) continue;
      this.text(`${path}.${name}`, `google.${name}`, `Display path ${name.slice(-1)}`, value, GOOGLE.pathWidth, "google", {
        required: false,
      });
      if (/[\s/]/.test(value))
        this.add(`${path}.${name}`, `google.${name}.chars`, `Display path ${name.slice(-1)} may not contain spaces or '/'`);
    }
    if (ad.path2 && !ad.path1) this.add(`${path}.path2`, "google.path2.without_path1", "Display path 2 needs display path 1");
    this.url(`${path}.final_url`, "Final URL", ad.final_url);
  }

  metaCampaign(path: string, c: MetaCampaign) {
    this.text(`${path}.name`, "meta.campaign_name", "Campaign name", c.name, META.nameLength, "meta");
    c.special_ad_categories.forEach((cat, i) => {
      if (!(META.specialAdCategories as readonly string[]).includes(cat))
        this.add(`${path}.special_ad_categories[${i}]`, "meta.special_ad_category", `'${cat}' is not a Meta special ad category`);
    });
    this.count(`${path}.ad_sets`, "meta.ad_sets", "Ad sets", c.ad_sets.length, 1, 5_000);
    c.ad_sets.forEach((a, i) => this.metaAdSet(`${path}.ad_sets[${i}]`, a));
  }

  metaAdSet(path: string, a: MetaAdSet) {
    this.text(`${path}.name`, "meta.ad_set_name", "Ad set name", a.name, META.nameLength, "meta");
    this.budget(`${path}.daily_budget_micros`, "Ad set daily budget", a.daily_budget_micros, META.minAdSetDailyBudgetMicros);
    if (!(META.optimizationGoals as readonly string[]).includes(a.optimization_goal))
      this.add(`${path}.optimization_goal`, "meta.optimization_goal", `'${a.optimization_goal}' is not a supported optimisation goal`);
    if (!(META.billingEvents as readonly string[]).includes(a.billing_event))
      this.add(`${path}.billing_event`, "meta.billing_event", `'${a.billing_event}' is not a supported billing event`);
    const t = a.targeting;
    const tpath = `${path}.targeting`;
    if (!t.countries.length) this.add(`${tpath}.countries`, "meta.countries.min_count", "Target at least one country");
    t.countries.forEach((code, i) => {
      if (!COUNTRY.test(code))
        this.add(`${tpath}.countries[${i}]`, "meta.country.code", `Country '${code}' is not a two-letter country code`);
    });
    for (const name of ["age_min", "age_max"] as const) {
      const age = t[name];
      if (!(age >= META.ageMin && age <= META.ageMax))
        this.add(
          `${tpath}.${name}`,
          `meta.${name}`,
          `${name === "age_min" ? "Age min" : "Age max"} is ${age}; Meta allows ${META.ageMin} to ${META.ageMax}`,
        );
    }
    if (t.age_min > t.age_max) this.add(`${tpath}.age_min`, "meta.age.order", `Minimum age ${t.age_min} is above maximum age ${t.age_max}`);
    this.count(`${path}.ads`, "meta.ads", "Ads", a.ads.length, 1, 50);
    a.ads.forEach((ad, i) => this.metaAd(`${path}.ads[${i}]`, ad));
  }

  metaAd(path: string, ad: MetaAd) {
    this.text(`${path}.name`, "meta.ad_name", "Ad name", ad.name, META.nameLength, "meta");
    this.text(`${path}.primary_text`, "meta.primary_text", "Primary text", ad.primary_text, META.primaryTextLength, "meta");
    this.text(`${path}.headline`, "meta.headline", "Headline", ad.headline, META.headlineLength, "meta");
    this.text(`${path}.description`, "meta.description", "Description", ad.description, META.descriptionLength, "meta", {
      required: false,
    });
    this.url(`${path}.link_url`, "Link URL", ad.link_url);
  }

  budgetSplit() {
    const s = this.s;
    const budgets = new Map<string, number>();
    s.google_ads?.campaigns.forEach((c) => budgets.set(`google_ads|${c.key}`, c.daily_budget_micros));
    s.meta?.campaigns.forEach((c) =>
      budgets.set(
        `meta|${c.key}`,
        c.ad_sets.reduce((n, a) => n + a.daily_budget_micros, 0),
      ),
    );
    const total = s.budget_split.reduce((n, a) => n + a.daily_budget_micros, 0);
    if (total !== s.daily_budget_micros)
      this.add(
        "budget_split",
        "budget.split.sum",
        `Allocations add up to ${(total / 1e6).toFixed(2)} ${s.currency}; the daily budget is ${(s.daily_budget_micros / 1e6).toFixed(2)} ${s.currency}`,
      );
    const seen = new Map<string, number>();
    s.budget_split.forEach((a, i) => {
      const ref = `${a.platform}|${a.campaign_key}`;
      seen.set(ref, (seen.get(ref) ?? 0) + 1);
      const path = `budget_split[${i}]`;
      const budget = budgets.get(ref);
      if (budget === undefined) {
        this.add(
          `${path}.campaign_key`,
          "budget.split.unknown_campaign",
          `Allocation names ${a.platform} campaign '${a.campaign_key}', which does not exist`,
        );
        return;
      }
      if (budget !== a.daily_budget_micros)
        this.add(
          `${path}.daily_budget_micros`,
          "budget.split.campaign_mismatch",
          `Campaign '${a.campaign_key}' spends ${(budget / 1e6).toFixed(2)} ${s.currency} a day but is allocated ${(a.daily_budget_micros / 1e6).toFixed(2)}`,
        );
      const expected = s.daily_budget_micros ? a.daily_budget_micros / s.daily_budget_micros : 0;
      if (Math.abs(a.share - expected) > SHARE_TOLERANCE)
        this.add(
          `${path}.share`,
          "budget.split.share",
          `Share ${a.share.toFixed(4)} does not match ${expected.toFixed(4)} of the daily budget`,
        );
    });
    for (const ref of budgets.keys()) {
      const [platform, key] = ref.split("|");
      if ((seen.get(ref) ?? 0) > 1)
        this.add("budget_split", "budget.split.duplicate", `${platform} campaign '${key}' is allocated ${seen.get(ref)} times`);
      if (!seen.has(ref)) this.add("budget_split", "budget.split.missing", `${platform} campaign '${key}' has no budget allocation`);
    }
  }

  keys() {
    const seen = new Set<string>();
    const check = (path: string, key: string) => {
      if (!key) this.add(`${path}.key`, "strategy.key.required", "Every object needs a key");
      else if (seen.has(key)) this.add(`${path}.key`, "strategy.key.duplicate", `Key '${key}' is used twice`);
      seen.add(key);
    };
    this.s.google_ads?.campaigns.forEach((c, i) => {
      check(`google_ads.campaigns[${i}]`, c.key);
      c.ad_groups.forEach((g, j) => {
        check(`google_ads.campaigns[${i}].ad_groups[${j}]`, g.key);
        g.ads.forEach((a, k) => check(`google_ads.campaigns[${i}].ad_groups[${j}].ads[${k}]`, a.key));
      });
    });
    this.s.meta?.campaigns.forEach((c, i) => {
      check(`meta.campaigns[${i}]`, c.key);
      c.ad_sets.forEach((a, j) => {
        check(`meta.campaigns[${i}].ad_sets[${j}]`, a.key);
        a.ads.forEach((ad, k) => check(`meta.campaigns[${i}].ad_sets[${j}].ads[${k}]`, ad.key));
      });
    });
  }

  strategy(): Violation[] {
    const s = this.s;
    if (!s.google_ads && !s.meta) this.add("google_ads", "strategy.platforms", "The strategy has no platform plan");
    if (s.google_ads) {
      const camps = s.google_ads.campaigns;
      this.count("google_ads.campaigns", "google.campaigns", "Google campaigns", camps.length, 1, 10_000);
      this.unique(
        "google_ads.campaigns",
        "google.campaign_name",
        "Campaign name",
        camps.map((c) => c.name),
      );
      camps.forEach((c, i) => this.googleCampaign(`google_ads.campaigns[${i}]`, c));
    }
    if (s.meta) {
      const camps = s.meta.campaigns;
      this.count("meta.campaigns", "meta.campaigns", "Meta campaigns", camps.length, 1, 10_000);
      camps.forEach((c, i) => this.metaCampaign(`meta.campaigns[${i}]`, c));
    }
    this.keys();
    this.budgetSplit();
    return this.found;
  }
}

/** Every limit `strategy` breaks (empty: the gateway will accept it as far as limits go). */
export function checkStrategy(strategy: CampaignStrategy): Violation[] {
  return new Checker(strategy).strategy();
}

/** Recompute the budget split from the campaigns' budgets (what the checker requires to hold). */
export function rebalance(strategy: CampaignStrategy): CampaignStrategy {
  const allocations: { platform: "google_ads" | "meta"; campaign_key: string; daily_budget_micros: number }[] = [];
  strategy.google_ads?.campaigns.forEach((c) =>
    allocations.push({ platform: "google_ads", campaign_key: c.key, daily_budget_micros: c.daily_budget_micros }),
  );
  strategy.meta?.campaigns.forEach((c) =>
    allocations.push({
      platform: "meta",
      campaign_key: c.key,
      daily_budget_micros: c.ad_sets.reduce((n, a) => n + a.daily_budget_micros, 0),
    }),
  );
  const total = allocations.reduce((n, a) => n + a.daily_budget_micros, 0);
  return {
    ...strategy,
    daily_budget_micros: total,
    budget_split: allocations.map((a) => ({ ...a, share: total ? Math.round((a.daily_budget_micros / total) * 1e6) / 1e6 : 0 })),
  };
}
