// Google Ads: search campaigns → ad groups (keywords) → responsive search ads, editable at Google's limits.
import { GOOGLE } from "../../lib/limits";
import { GOOGLE_BIDDING_NAMES, money } from "../../lib/format";
import type { GoogleBidding, Keyword } from "../../lib/types";
import { Button, SelectField, TagInput, TextField } from "../../ui/ui";
import { LimitedField } from "../../ui/LimitedField";
import { MoneyInput, TextListEditor, useEdit } from "./common";
import { rebalance } from "../../lib/limits";

const BIDDING = (Object.keys(GOOGLE_BIDDING_NAMES) as GoogleBidding[]).map((id) => ({ id, label: GOOGLE_BIDDING_NAMES[id] }));

const MATCH: Keyword["match_type"][] = ["BROAD", "PHRASE", "EXACT"];

function KeywordsEditor({ c, g }: { c: number; g: number }) {
  const { draft, update, errorAt, readOnly } = useEdit();
  const keywords = draft.google_ads!.campaigns[c].ad_groups[g].keywords;
  const base = `/google_ads/campaigns/${c}/ad_groups/${g}/keywords`;
  const set = (fn: (list: Keyword[]) => Keyword[]) =>
    update((d) => {
      const group = d.google_ads!.campaigns[c].ad_groups[g];
      group.keywords = fn(group.keywords);
    });
  if (readOnly)
    return (
      <p>
        <strong>Keywords:</strong> {keywords.map((k) => `${k.text} (${k.match_type.toLowerCase()})`).join(", ")}
      </p>
    );
  return (
    <fieldset className="list-editor keywords-grid">
      <legend>
        Keywords <span className="muted small">({keywords.length})</span>
      </legend>
      {keywords.map((kw, i) => (
        <div className="keyword-row" key={i}>
          <LimitedField
            label={`Keyword ${i + 1}`}
            value={kw.text}
            limit={GOOGLE.keywordWidth}
            counting="google"
            error={errorAt(`${base}/${i}/text`)}
            onChange={(text) => set((list) => list.map((k, j) => (j === i ? { ...k, text } : k)))}
          />
          <SelectField
            label="Match"
            value={kw.match_type}
            onChange={(e) =>
              set((list) => list.map((k, j) => (j === i ? { ...k, match_type: e.target.value as Keyword["match_type"] } : k)))
            }
          >
            {MATCH.map((m) => (
              <option key={m} value={m}>
                {m.charAt(0) + m.slice(1).toLowerCase()}
              </option>
            ))}
          </SelectField>
          <Button
            small
            variant="ghost"
            aria-label={`Remove keyword ${i + 1}`}
            disabled={keywords.length <= 1}
            onClick={() => set((list) => list.filter((_, j) => j !== i))}
          >
            Remove
          </Button>
        </div>
      ))}
      {errorAt(base) && (
        <p className="field-error" role="alert">
          {errorAt(base)}
        </p>
      )}
      <div>
        <Button small onClick={() => set((list) => [...list, { text: "", match_type: "PHRASE" }])}>
          Add keyword
        </Button>
      </div>
    </fieldset>
  );
}

export function GoogleEditor() {
  const { draft, update, errorAt, readOnly } = useEdit();
  const plan = draft.google_ads;
  if (!plan) return <p className="muted">This strategy has no Google Ads plan.</p>;
  return (
    <div className="stack">
      {plan.campaigns.map((campaign, c) => {
        const cp = `/google_ads/campaigns/${c}`;
        return (
          <section className="card" key={campaign.key} aria-labelledby={`gc-${c}`}>
            <div className="tree-title">
              <h2 id={`gc-${c}`}>
                <span className="dot-google" aria-hidden="true" />
                Campaign: {campaign.name}
              </h2>
              <span className="muted small">{money(campaign.daily_budget_micros, draft.currency)} / day</span>
            </div>
            {!readOnly && (
              <>
                <div className="row">
                  <TextField
                    label="Campaign name"
                    value={campaign.name}
                    error={errorAt(`${cp}/name`)}
                    onChange={(e) => update((d) => void (d.google_ads!.campaigns[c].name = e.target.value))}
                  />
                  <MoneyInput
                    label="Daily budget"
                    micros={campaign.daily_budget_micros}
                    currency={draft.currency}
                    error={errorAt(`${cp}/daily_budget_micros`)}
                    onChange={(micros) =>
                      update((d) => {
                        d.google_ads!.campaigns[c].daily_budget_micros = micros;
                        Object.assign(d, rebalance(d));
                      })
                    }
                  />
                  <SelectField
                    label="Bidding"
                    value={campaign.bidding_strategy}
                    onChange={(e) => update((d) => void (d.google_ads!.campaigns[c].bidding_strategy = e.target.value as GoogleBidding))}
                  >
                    {BIDDING.map((b) => (
                      <option key={b.id} value={b.id}>
                        {b.label}
                      </option>
                    ))}
                  </SelectField>
                </div>
                {campaign.bidding_strategy === "TARGET_CPA" && (
                  <MoneyInput
                    label="Target cost per acquisition"
                    micros={campaign.target_cpa_micros ?? 0}
                    currency={draft.currency}
                    error={errorAt(`${cp}/target_cpa_micros`)}
                    onChange={(micros) => update((d) => void (d.google_ads!.campaigns[c].target_cpa_micros = micros))}
                  />
                )}
                {campaign.bidding_strategy === "TARGET_ROAS" && (
                  <TextField
                    label="Target ROAS (e.g. 3 for 300 %)"
                    inputMode="decimal"
                    value={campaign.target_roas ?? ""}
                    error={errorAt(`${cp}/target_roas`)}
                    onChange={(e) => update((d) => void (d.google_ads!.campaigns[c].target_roas = Number(e.target.value) || null))}
                  />
                )}
                <div className="row">
                  <TagInput
                    label="Countries"
                    values={campaign.locations}
                    normalize={(v) => v.toUpperCase()}
                    error={errorAt(`${cp}/locations`) ?? campaign.locations.map((_, i) => errorAt(`${cp}/locations/${i}`)).find(Boolean)}
                    onChange={(v) => update((d) => void (d.google_ads!.campaigns[c].locations = v))}
                  />
                  <TagInput
                    label="Languages"
                    values={campaign.languages}
                    normalize={(v) => v.toLowerCase()}
                    onChange={(v) => update((d) => void (d.google_ads!.campaigns[c].languages = v))}
                  />
                </div>
              </>
            )}
            {campaign.ad_groups.map((group, g) => {
              const gp = `${cp}/ad_groups/${g}`;
              return (
                <div className="tree" key={group.key}>
                  <div className="tree-title">
                    <h3>Ad group: {group.name}</h3>
                  </div>
                  {!readOnly && (
                    <TextField
                      label="Ad group name"
                      value={group.name}
                      error={errorAt(`${gp}/name`)}
                      onChange={(e) => update((d) => void (d.google_ads!.campaigns[c].ad_groups[g].name = e.target.value))}
                    />
                  )}
                  {group.ads.map((ad, a) => {
                    const ap = `${gp}/ads/${a}`;
                    const setAd = (fn: (ad: (typeof group.ads)[number]) => void) =>
                      update((d) => fn(d.google_ads!.campaigns[c].ad_groups[g].ads[a]));
                    return (
                      <div className="ad-box" key={ad.key}>
                        <h4>Responsive search ad {a + 1}</h4>
                        <TextListEditor
                          label="Headline"
                          values={ad.headlines}
                          limit={GOOGLE.headlineWidth}
                          counting="google"
                          min={GOOGLE.headlinesMin}
                          max={GOOGLE.headlinesMax}
                          pointer={`${ap}/headlines`}
                          onChange={(v) => setAd((x) => void (x.headlines = v))}
                        />
                        <TextListEditor
                          label="Description"
                          values={ad.descriptions}
                          limit={GOOGLE.descriptionWidth}
                          counting="google"
                          min={GOOGLE.descriptionsMin}
                          max={GOOGLE.descriptionsMax}
                          pointer={`${ap}/descriptions`}
                          multiline
                          onChange={(v) => setAd((x) => void (x.descriptions = v))}
                        />
                        {readOnly ? (
                          <p className="small">
                            {ad.final_url}
                            {ad.path1 ? `/${ad.path1}` : ""}
                            {ad.path2 ? `/${ad.path2}` : ""}
                          </p>
                        ) : (
                          <div className="row">
                            <LimitedField
                              label="Display path 1"
                              value={ad.path1 ?? ""}
                              limit={GOOGLE.pathWidth}
                              counting="google"
                              error={errorAt(`${ap}/path1`)}
                              onChange={(v) => setAd((x) => void (x.path1 = v || null))}
                            />
                            <LimitedField
                              label="Display path 2"
                              value={ad.path2 ?? ""}
                              limit={GOOGLE.pathWidth}
                              counting="google"
                              error={errorAt(`${ap}/path2`)}
                              onChange={(v) => setAd((x) => void (x.path2 = v || null))}
                            />
                            <TextField
                              label="Final URL"
                              type="url"
                              value={ad.final_url}
                              error={errorAt(`${ap}/final_url`)}
                              onChange={(e) => setAd((x) => void (x.final_url = e.target.value))}
                            />
                          </div>
                        )}
                      </div>
                    );
                  })}
                  <KeywordsEditor c={c} g={g} />
                </div>
              );
            })}
          </section>
        );
      })}
    </div>
  );
}
