// Version history: every version (generated or revised) and what changed between any two.
import { useMemo, useState } from "react";
import { type Change, diffStrategies, showValue } from "../../lib/diff";
import { dateTime } from "../../lib/format";
import { useStrategy } from "../../lib/queries";
import type { Strategy } from "../../lib/types";
import { Badge, ErrorState, Loading, SelectField } from "../../ui/ui";

function ChangeLine({ change, currency }: { change: Change; currency: string }) {
  const key = change.path[change.path.length - 1];
  return (
    <li>
      <strong>{change.label}</strong>
      {change.kind === "added" && (
        <>
          {" "}
          added: <span className="diff-after">{showValue(change.after, key, currency)}</span>
        </>
      )}
      {change.kind === "removed" && (
        <>
          {" "}
          removed: <span className="diff-before">{showValue(change.before, key, currency)}</span>
        </>
      )}
      {change.kind === "changed" && (
        <>
          : <span className="diff-before">{showValue(change.before, key, currency)}</span> →{" "}
          <span className="diff-after">{showValue(change.after, key, currency)}</span>
        </>
      )}
    </li>
  );
}

export function VersionHistory({ strategy }: { strategy: Strategy }) {
  const versions = [...strategy.versions].sort((a, b) => b.version - a.version);
  const [to, setTo] = useState(strategy.current_version);
  const [from, setFrom] = useState(Math.max(1, strategy.current_version - 1));
  const before = useStrategy(strategy.id, from);
  const after = useStrategy(strategy.id, to);
  const changes = useMemo(
    () => (before.data && after.data ? diffStrategies(before.data.strategy, after.data.strategy) : null),
    [before.data, after.data],
  );

  return (
    <div className="stack">
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Versions</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Source</th>
              <th scope="col">Created</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version}>
                <td>v{v.version}</td>
                <td>{v.source === "generated" ? `Generated (${strategy.generator === "llm" ? "AI" : "rules"})` : "Edited"}</td>
                <td>{dateTime(v.created_at)}</td>
                <td>
                  {v.version === strategy.approved_version && <Badge tone="good">Approved</Badge>}{" "}
                  {v.version === strategy.current_version && <Badge tone="info">Current</Badge>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {versions.length < 2 ? (
        <p className="muted">Only one version so far. Every saved edit becomes a new version you can compare here.</p>
      ) : (
        <section aria-labelledby="diff-title">
          <h3 id="diff-title">Compare versions</h3>
          <div className="row">
            <SelectField label="From" value={from} onChange={(e) => setFrom(Number(e.target.value))}>
              {versions.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                </option>
              ))}
            </SelectField>
            <SelectField label="To" value={to} onChange={(e) => setTo(Number(e.target.value))}>
              {versions.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                </option>
              ))}
            </SelectField>
          </div>
          {before.error || after.error ? (
            <ErrorState error={before.error ?? after.error} retry={() => void (before.refetch(), after.refetch())} />
          ) : !changes ? (
            <Loading what="Comparing versions" />
          ) : changes.length === 0 ? (
            <p className="muted">
              No differences between v{from} and v{to}.
            </p>
          ) : (
            <ul className="diff-list" aria-label={`Changes from v${from} to v${to}`}>
              {changes.map((c) => (
                <ChangeLine key={c.path.join("/")} change={c} currency={strategy.strategy.currency} />
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}
