// Shapes of the gateway's REST API (/api/v1), as `zamc_gateway.schemas` and the live adapters answer them.
// Responses may carry more fields than listed here.

export type Platform = "google_ads" | "meta";
export const PLATFORMS: Platform[] = ["google_ads", "meta"];
export type Role = "owner" | "admin" | "member" | "viewer";
export type Goal = "awareness" | "traffic" | "leads" | "sales";
export type BudgetPeriod = "daily" | "total";

export interface User {
  id: string;
  email: string;
  created_at: string;
}

export interface Organization {
  id: string;
  name: string;
  role?: Role | null;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: "bearer";
  expires_in: number;
}

export interface SignupResponse extends TokenPair {
  user: User;
  organization: Organization;
}

export interface Me {
  kind: "user" | "api_key";
  user?: User | null;
  organizations: Organization[];
}

export interface Member {
  user_id: string;
  email: string;
  role: Role;
  status: "active" | "invited";
  created_at: string;
}

export interface ApiKey {
  id: string;
  name: string;
  scope: "read" | "write";
  prefix: string;
  created_at: string;
  revoked_at?: string | null;
}

export interface ApiKeyCreated extends ApiKey {
  key: string;
}

export type ConnectionStatus = "pending" | "linking" | "linked" | "failed" | "reauthorization_required";

export interface AdAccount {
  external_id: string;
  name: string;
  currency: string;
  time_zone: string;
}

export interface Connection {
  id: string;
  platform: Platform;
  status: ConnectionStatus;
  reason?: string | null;
  accounts: AdAccount[];
  created_at: string;
  updated_at: string;
}

export interface ConnectionCreated extends Connection {
  authorization_url: string;
  state: string;
}

export interface Business {
  name: string;
  website?: string | null;
  industry?: string | null;
  description?: string | null;
  brand_voice?: string | null;
}

export interface Project {
  id: string;
  name: string;
  business: Business;
  created_at: string;
  updated_at: string;
}

export interface BriefRequest {
  product: string;
  audience: string;
  goal: Goal;
  budget: { amount: string; currency: string; period: BudgetPeriod };
  start_date: string;
  end_date?: string | null;
  platforms: Platform[];
  locations: string[];
  languages: string[];
  landing_page_url: string;
}

export interface Brief {
  id: string;
  project_id: string;
  status: "generating" | "generated" | "failed";
  progress: { percent: number; step?: string | null; message?: string | null };
  strategy_id?: string | null;
  failure_reason?: string | null;
  request: Partial<BriefRequest>;
  created_at: string;
  updated_at: string;
}

// --- the CampaignStrategy document (zamc_events.contracts.strategy) ---------------------------
export interface Keyword {
  text: string;
  match_type: "EXACT" | "PHRASE" | "BROAD";
}

export interface ResponsiveSearchAd {
  key: string;
  headlines: string[];
  descriptions: string[];
  path1?: string | null;
  path2?: string | null;
  final_url: string;
}

export interface GoogleAdGroup {
  key: string;
  name: string;
  cpc_bid_micros?: number | null;
  keywords: Keyword[];
  ads: ResponsiveSearchAd[];
}

export type GoogleBidding = "MAXIMIZE_CONVERSIONS" | "MAXIMIZE_CLICKS" | "TARGET_CPA" | "TARGET_ROAS" | "MANUAL_CPC";

export interface GoogleSearchCampaign {
  key: string;
  name: string;
  daily_budget_micros: number;
  bidding_strategy: GoogleBidding;
  target_cpa_micros?: number | null;
  target_roas?: number | null;
  locations: string[];
  languages: string[];
  ad_groups: GoogleAdGroup[];
}

export interface MetaTargeting {
  countries: string[];
  age_min: number;
  age_max: number;
  genders: ("male" | "female")[];
  interests: string[];
}

export type MetaCallToAction = "LEARN_MORE" | "SHOP_NOW" | "SIGN_UP" | "GET_OFFER" | "CONTACT_US" | "SUBSCRIBE" | "BOOK_NOW";

export interface MetaAd {
  key: string;
  name: string;
  primary_text: string;
  headline: string;
  description?: string | null;
  call_to_action: MetaCallToAction;
  link_url: string;
  image?: unknown;
}

export interface MetaAdSet {
  key: string;
  name: string;
  daily_budget_micros: number;
  optimization_goal: string;
  billing_event: string;
  targeting: MetaTargeting;
  ads: MetaAd[];
}

export interface MetaCampaign {
  key: string;
  name: string;
  objective: string;
  special_ad_categories: string[];
  ad_sets: MetaAdSet[];
}

export interface BudgetAllocation {
  platform: Platform;
  campaign_key: string;
  daily_budget_micros: number;
  share: number;
}

export interface CampaignStrategy {
  strategy_id: string;
  brief_id: string;
  project_id: string;
  version: number;
  generator: "llm" | "rules";
  model?: string | null;
  objective: string;
  kpis: string[];
  audiences: { name: string; description: string }[];
  currency: string;
  daily_budget_micros: number;
  budget_split: BudgetAllocation[];
  start_date: string;
  end_date?: string | null;
  google_ads?: { campaigns: GoogleSearchCampaign[] } | null;
  meta?: { campaigns: MetaCampaign[] } | null;
  rationale: string;
  warnings: string[];
}

export interface StrategyVersionInfo {
  version: number;
  source: "generated" | "revised";
  created_at: string;
  created_by?: string | null;
}

export interface Strategy {
  id: string;
  project_id: string;
  brief_id: string;
  version: number;
  current_version: number;
  approved_version?: number | null;
  status: "draft" | "approved";
  generator: string;
  model?: string | null;
  strategy: CampaignStrategy;
  versions: StrategyVersionInfo[];
  updated_at: string;
}

// --- deployments and campaigns ----------------------------------------------------------------
export type DeploymentStatus = "pending" | "running" | "succeeded" | "partially_failed" | "failed" | "rolled_back";
export type TargetStatus = "pending" | "running" | "succeeded" | "failed" | "timed_out" | "rolled_back";

export interface DeploymentTarget {
  platform: Platform;
  account_external_id: string;
  status: TargetStatus | string;
  platform_campaign_ids: string[];
  error?: { code: string; message: string; field?: string | null; retryable?: boolean } | null;
}

export interface Deployment {
  id: string;
  project_id: string;
  strategy_id: string;
  strategy_version: number;
  status: DeploymentStatus;
  policy: "all_or_nothing" | "best_effort";
  targets: DeploymentTarget[];
  created_at: string;
  updated_at: string;
  completed_at?: string | null;
}

export interface CampaignChange {
  id: string;
  kind: "status" | "budget";
  status: "pending" | "applied" | "failed";
  requested: Record<string, unknown>;
  error?: Record<string, unknown> | null;
  created_at: string;
}

export interface CampaignBidding {
  strategy: GoogleBidding;
  target_roas?: number | null;
  target_cpa_micros?: number | null;
}

export interface Campaign {
  id: string;
  project_id: string;
  deployment_id: string;
  strategy_id: string;
  platform: Platform;
  account_external_id: string;
  platform_campaign_id: string;
  name: string;
  status: string;
  daily_budget_micros?: number | null;
  daily_budget?: string | number | null;
  currency: string;
  bidding?: CampaignBidding | null;
  last_error?: Record<string, unknown> | null;
  pending_changes: CampaignChange[];
  created_at: string;
  updated_at: string;
}

// --- analytics ----------------------------------------------------------------------------------
export interface Totals {
  currency: string;
  impressions: number;
  clicks: number;
  spend_micros: number;
  conversions: number;
  conversion_value_micros: number;
  ctr: number | null;
  cpc_micros: number | null;
  cpa_micros: number | null;
  roas: number | null;
}

export interface PlatformTotals extends Totals {
  platform: Platform;
}

export interface Summary {
  project_id: string;
  from: string;
  to: string;
  platforms: PlatformTotals[];
  overall: Totals | null;
  overall_by_currency: Totals[];
  settled: boolean;
}

export interface SeriesPoint extends Totals {
  period_start: string;
  settled: boolean;
  provisional: boolean;
}

export interface Timeseries {
  granularity: "hour" | "day";
  from: string;
  to: string;
  points: SeriesPoint[];
}

export interface Anomaly {
  id: string;
  platform: Platform;
  campaign_id: string;
  platform_campaign_id: string;
  campaign_name: string;
  kind: string;
  hour_start: string;
  evidence: Record<string, unknown>;
  detected_at: string;
}

// --- recommendations, notifications, assets ---------------------------------------------------
export interface RecommendedAction {
  platform: Platform;
  account_external_id: string;
  platform_object_id: string;
  object_kind: string;
  daily_budget_micros?: number | null;
  status?: "ENABLED" | "PAUSED" | null;
  target_roas?: number | null;
  target_cpa_micros?: number | null;
}

export interface Recommendation {
  id: string;
  project_id: string | null;
  kind: string;
  title: string;
  actions: RecommendedAction[];
  evidence: Record<string, unknown>;
  expected_impact?: { metric: string; delta: number; low: number; high: number } | null;
  confidence: number;
  autopilot: boolean;
  status: "open" | "apply_requested" | "applied" | "dismissed" | "refused" | "expired" | "superseded" | string;
  reason?: string | null; // why the optimiser closed it without applying
  decided_by?: string | null;
  decided_at?: string | null;
  applied_by?: string | null;
  change_ids?: string[] | null;
  created_at: string;
  updated_at: string;
}

export interface Autopilot {
  project_id: string;
  enabled: boolean;
  updated_at?: string | null;
  guardrails?: Record<string, unknown>;
}

export interface Notification {
  id: string;
  kind: string;
  severity: string;
  title: string;
  body?: string | null;
  resource_type?: string | null;
  resource_id?: string | null;
  project_id?: string | null;
  created_at: string;
  read_at?: string | null;
  read: boolean;
}

export interface AssetVersion {
  version: number;
  sha256: string;
  content_type: string;
  size_bytes: number;
  created_by?: string | null;
  created_at: string;
}

export interface Asset {
  id: string;
  project_id: string;
  name: string;
  kind: "image" | "text";
  status: "pending_review" | "approved" | "rejected";
  current_version: number;
  content_type?: string | null;
  sha256?: string | null;
  size_bytes?: number | null;
  review_note?: string | null;
  reviewed_at?: string | null;
  created_at: string;
  updated_at: string;
  versions: AssetVersion[];
}
