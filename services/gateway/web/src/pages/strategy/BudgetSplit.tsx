// The budget split: how the daily budget is shared between the platforms' campaigns.
import { PLATFORM_NAMES, money, percent } from "../../lib/format";
import { rebalance } from "../../lib/limits";
import { MoneyInput, useEdit } from "./common";

export function BudgetSplit() {
  const { draft, update, errorAt, readOnly } = useEdit();
  const names = new Map<string, string>();
  draft.google_ads?.campaigns.forEach((c) => names.set(`google_ads|${c.key}`, c.name));
  draft.meta?.campaigns.forEach((c) => names.set(`meta|${c.key}`, c.name));
  const splitError = errorAt("/budget_split");

  const setBudget = (platform: string, key: string, micros: number) =>
    update((d) => {
      if (platform === "google_ads") {
        const campaign = d.google_ads?.campaigns.find((c) => c.key === key);
        if (campaign) campaign.daily_budget_micros = micros;
      } else {
        // a Meta campaign's budget lives on its ad sets: scale them, keeping their proportions
        const campaign = d.meta?.campaigns.find((c) => c.key === key);
        if (campaign) {
          const total = campaign.ad_sets.reduce((n, a) => n + a.daily_budget_micros, 0);
          let left = micros;
          campaign.ad_sets.forEach((a, i) => {
            const share =
              i === campaign.ad_sets.length - 1
                ? left
                : Math.round((micros * (total ? a.daily_budget_micros / total : 1 / campaign.ad_sets.length)) / 10_000) * 10_000;
            a.daily_budget_micros = share;
            left -= share;
          });
        }
      }
      Object.assign(d, rebalance(d));
    });

  return (
    <div>
      <p>
        Daily budget: <strong>{money(draft.daily_budget_micros, draft.currency)}</strong> from {draft.start_date}
        {draft.end_date ? ` to ${draft.end_date}` : ", until stopped"}.
      </p>
      <div
        className="split-bar"
        role="img"
        aria-label={draft.budget_split
          .map((a) => `${names.get(`${a.platform}|${a.campaign_key}`) ?? a.campaign_key}: ${percent(a.share, 0)}`)
          .join(", ")}
      >
        {draft.budget_split.map((a) => (
          <div
            key={`${a.platform}-${a.campaign_key}`}
            className={`fill-${a.platform}`}
            style={{ width: `${a.share * 100}%`, borderRight: "2px solid var(--surface)" }}
          />
        ))}
      </div>
      {splitError && (
        <p className="field-error" role="alert">
          {splitError}
        </p>
      )}
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Budget per campaign</caption>
          <thead>
            <tr>
              <th scope="col">Platform</th>
              <th scope="col">Campaign</th>
              <th scope="col" className="num">
                Share
              </th>
              <th scope="col">Daily budget</th>
            </tr>
          </thead>
          <tbody>
            {draft.budget_split.map((a, i) => (
              <tr key={`${a.platform}-${a.campaign_key}`}>
                <td>
                  <span className={a.platform === "google_ads" ? "dot-google" : "dot-meta"} aria-hidden="true" />
                  {PLATFORM_NAMES[a.platform]}
                </td>
                <td>{names.get(`${a.platform}|${a.campaign_key}`) ?? a.campaign_key}</td>
                <td className="num">{percent(a.share, 1)}</td>
                <td style={{ minWidth: "9rem" }}>
                  {readOnly ? (
                    money(a.daily_budget_micros, draft.currency)
                  ) : (
                    <MoneyInput
                      label={`Budget for ${names.get(`${a.platform}|${a.campaign_key}`) ?? a.campaign_key}`}
                      micros={a.daily_budget_micros}
                      currency={draft.currency}
                      error={errorAt(`/budget_split/${i}/daily_budget_micros`)}
                      onChange={(micros) => setBudget(a.platform, a.campaign_key, micros)}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
