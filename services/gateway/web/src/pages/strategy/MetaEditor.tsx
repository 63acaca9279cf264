// Meta: campaigns → ad sets (budget, targeting) → ads, editable at Meta's limits.
import { META, rebalance } from "../../lib/limits";
import { humanize, money } from "../../lib/format";
import type { MetaAd, MetaAdSet, MetaCallToAction } from "../../lib/types";
import { Checkbox, SelectField, TagInput, TextField } from "../../ui/ui";
import { LimitedField } from "../../ui/LimitedField";
import { MoneyInput, useEdit } from "./common";

const CTAS: MetaCallToAction[] = ["LEARN_MORE", "SHOP_NOW", "SIGN_UP", "GET_OFFER", "CONTACT_US", "SUBSCRIBE", "BOOK_NOW"];

export function MetaEditor() {
  const { draft, update, errorAt, readOnly } = useEdit();
  const plan = draft.meta;
  if (!plan) return <p className="muted">This strategy has no Meta plan.</p>;
  return (
    <div className="stack">
      {plan.campaigns.map((campaign, c) => {
        const cp = `/meta/campaigns/${c}`;
        const total = campaign.ad_sets.reduce((n, a) => n + a.daily_budget_micros, 0);
        return (
          <section className="card" key={campaign.key} aria-labelledby={`mc-${c}`}>
            <div className="tree-title">
              <h2 id={`mc-${c}`}>
                <span className="dot-meta" aria-hidden="true" />
                Campaign: {campaign.name}
              </h2>
              <span className="muted small">
                {humanize(campaign.objective.replace("OUTCOME_", ""))} · {money(total, draft.currency)} / day
              </span>
            </div>
            {!readOnly && (
              <LimitedField
                label="Campaign name"
                value={campaign.name}
                limit={META.nameLength}
                counting="meta"
                error={errorAt(`${cp}/name`)}
                onChange={(v) => update((d) => void (d.meta!.campaigns[c].name = v))}
              />
            )}
            {campaign.ad_sets.map((adSet, s) => {
              const sp = `${cp}/ad_sets/${s}`;
              const setSet = (fn: (a: MetaAdSet) => void) => update((d) => fn(d.meta!.campaigns[c].ad_sets[s]));
              const t = adSet.targeting;
              return (
                <div className="tree" key={adSet.key}>
                  <div className="tree-title">
                    <h3>Ad set: {adSet.name}</h3>
                    <span className="muted small">
                      {t.countries.join(", ")} · ages {t.age_min}–{t.age_max}
                      {t.interests.length ? ` · ${t.interests.join(", ")}` : ""}
                    </span>
                  </div>
                  {!readOnly && (
                    <>
                      <div className="row">
                        <TextField
                          label="Ad set name"
                          value={adSet.name}
                          error={errorAt(`${sp}/name`)}
                          onChange={(e) => setSet((a) => void (a.name = e.target.value))}
                        />
                        <MoneyInput
                          label="Daily budget"
                          micros={adSet.daily_budget_micros}
                          currency={draft.currency}
                          error={errorAt(`${sp}/daily_budget_micros`)}
                          onChange={(micros) =>
                            update((d) => {
                              d.meta!.campaigns[c].ad_sets[s].daily_budget_micros = micros;
                              Object.assign(d, rebalance(d));
                            })
                          }
                        />
                      </div>
                      <fieldset>
                        <legend>Targeting</legend>
                        <div className="row">
                          <TagInput
                            label="Countries"
                            values={t.countries}
                            normalize={(v) => v.toUpperCase()}
                            error={
                              errorAt(`${sp}/targeting/countries`) ??
                              t.countries.map((_, i) => errorAt(`${sp}/targeting/countries/${i}`)).find(Boolean)
                            }
                            onChange={(v) => setSet((a) => void (a.targeting.countries = v))}
                          />
                          <TextField
                            label="Minimum age"
                            type="number"
                            min={META.ageMin}
                            max={META.ageMax}
                            value={t.age_min}
                            error={errorAt(`${sp}/targeting/age_min`)}
                            onChange={(e) => setSet((a) => void (a.targeting.age_min = Number(e.target.value)))}
                          />
                          <TextField
                            label="Maximum age"
                            type="number"
                            min={META.ageMin}
                            max={META.ageMax}
                            value={t.age_max}
                            error={errorAt(`${sp}/targeting/age_max`)}
                            onChange={(e) => setSet((a) => void (a.targeting.age_max = Number(e.target.value)))}
                          />
                        </div>
                        <div className="choice-row">
                          {(["female", "male"] as const).map((g) => (
                            <Checkbox
                              key={g}
                              label={g === "female" ? "Women" : "Men"}
                              checked={t.genders.length === 0 || t.genders.includes(g)}
                              onChange={(e) =>
                                setSet((a) => {
                                  const all = a.targeting.genders.length ? a.targeting.genders : (["female", "male"] as const).slice();
                                  const next = e.target.checked ? [...new Set([...all, g])] : all.filter((x) => x !== g);
                                  a.targeting.genders = next.length === 2 ? [] : next;
                                })
                              }
                            />
                          ))}
                        </div>
                        <TagInput
                          label="Interests"
                          values={t.interests}
                          onChange={(v) => setSet((a) => void (a.targeting.interests = v))}
                          hint="Press Enter after each interest."
                        />
                      </fieldset>
                    </>
                  )}
                  {adSet.ads.map((ad, a) => {
                    const ap = `${sp}/ads/${a}`;
                    const setAd = (fn: (x: MetaAd) => void) => update((d) => fn(d.meta!.campaigns[c].ad_sets[s].ads[a]));
                    return (
                      <div className="ad-box" key={ad.key}>
                        <h4>Ad: {ad.name}</h4>
                        {readOnly ? (
                          <>
                            <p>{ad.primary_text}</p>
                            <p>
                              <strong>{ad.headline}</strong> {ad.description}
                            </p>
                            <p className="small muted">
                              {humanize(ad.call_to_action)} → {ad.link_url}
                            </p>
                          </>
                        ) : (
                          <>
                            <LimitedField
                              label="Primary text"
                              value={ad.primary_text}
                              limit={META.primaryTextLength}
                              counting="meta"
                              multiline
                              error={errorAt(`${ap}/primary_text`)}
                              onChange={(v) => setAd((x) => void (x.primary_text = v))}
                            />
                            <div className="row">
                              <LimitedField
                                label="Headline"
                                value={ad.headline}
                                limit={META.headlineLength}
                                counting="meta"
                                error={errorAt(`${ap}/headline`)}
                                onChange={(v) => setAd((x) => void (x.headline = v))}
                              />
                              <LimitedField
                                label="Description"
                                value={ad.description ?? ""}
                                limit={META.descriptionLength}
                                counting="meta"
                                error={errorAt(`${ap}/description`)}
                                onChange={(v) => setAd((x) => void (x.description = v || null))}
                              />
                            </div>
                            <div className="row">
                              <SelectField
                                label="Call to action"
                                value={ad.call_to_action}
                                onChange={(e) => setAd((x) => void (x.call_to_action = e.target.value as MetaCallToAction))}
                              >
                                {CTAS.map((cta) => (
                                  <option key={cta} value={cta}>
                                    {humanize(cta)}
                                  </option>
                                ))}
                              </SelectField>
                              <TextField
                                label="Link URL"
                                type="url"
                                value={ad.link_url}
                                error={errorAt(`${ap}/link_url`)}
                                onChange={(e) => setAd((x) => void (x.link_url = e.target.value))}
                              />
                            </div>
                          </>
                        )}
                      </div>
                    );
                  })}
                </div>
              );
            })}
          </section>
        );
      })}
    </div>
  );
}
