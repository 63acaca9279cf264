// A hand-written SVG time-series chart: no chart library in the bundle. Provisional points (that the
// platforms may still restate) are drawn dashed with hollow markers; arrow keys move a cursor whose
// value is announced; the same data is available as a table.
import { type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from "react";

export interface ChartPoint {
  t: number; // epoch ms
  y: number;
  provisional: boolean;
}

const H = 240;
const PAD = { top: 12, right: 16, bottom: 28, left: 64 };

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function LineChart({
  points,
  label,
  format,
  formatTime,
  color = "var(--primary)",
}: {
  points: ChartPoint[];
  label: string;
  format: (v: number) => string;
  formatTime: (t: number) => string;
  color?: string;
}) {
  const [cursor, setCursor] = useState<number | null>(null);
  const descId = useId();
  // drawn at the container's own width, so labels keep their size on a phone
  const frame = useRef<HTMLElement>(null);
  const [W, setW] = useState(760);
  useEffect(() => {
    const element = frame.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(([entry]) => setW(Math.max(280, Math.round(entry.contentRect.width))));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const geometry = useMemo(() => {
    const t0 = points.length ? points[0].t : 0;
    const t1 = points.length ? points[points.length - 1].t : 1;
    const yMax = niceMax(Math.max(...points.map((p) => p.y), 0));
    const x = (t: number) => PAD.left + (t1 === t0 ? (W - PAD.left - PAD.right) / 2 : ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right));
    const y = (v: number) => PAD.top + (1 - v / yMax) * (H - PAD.top - PAD.bottom);
    return { x, y, yMax, t0, t1 };
  }, [points, W]);

  if (!points.length) return null;
  const { x, y, yMax } = geometry;
  // split the line where provisional-ness changes, so provisional stretches draw dashed
  const segments: { provisional: boolean; d: string }[] = [];
  points.forEach((p, i) => {
    const cmd = `${x(p.t).toFixed(1)},${y(p.y).toFixed(1)}`;
    const last = segments[segments.length - 1];
    if (!last || last.provisional !== p.provisional) {
      const prev = points[i - 1];
      segments.push({ provisional: p.provisional, d: prev ? `M${x(prev.t).toFixed(1)},${y(prev.y).toFixed(1)} L${cmd}` : `M${cmd}` });
    } else last.d += ` L${cmd}`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  const labelEvery = Math.max(1, Math.ceil(points.length / Math.max(2, Math.floor((W - PAD.left) / 110))));
  const active = cursor !== null ? points[cursor] : null;

  const onKey = (e: KeyboardEvent<SVGSVGElement>) => {
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      e.preventDefault();
      const step = e.key === "ArrowRight" ? 1 : -1;
      setCursor((c) => Math.max(0, Math.min(points.length - 1, (c ?? (step > 0 ? -1 : points.length)) + step)));
    } else if (e.key === "Home") setCursor(0);
    else if (e.key === "End") setCursor(points.length - 1);
  };

  return (
    <figure style={{ margin: 0 }} ref={frame}>
      <svg
        className="chart"
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${label}. Use the arrow keys to read each point.`}
        aria-describedby={descId}
        tabIndex={0}
        onKeyDown={onKey}
        onMouseLeave={() => setCursor(null)}
        onMouseMove={(e) => {
          const box = (e.currentTarget as SVGSVGElement).getBoundingClientRect();
          const px = ((e.clientX - box.left) / box.width) * W;
          let best = 0;
          points.forEach((p, i) => {
            if (Math.abs(x(p.t) - px) < Math.abs(x(points[best].t) - px)) best = i;
          });
          setCursor(best);
        }}
      >
        {ticks.map((v) => (
          <g key={v}>
            <line className="grid-line" x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
            <text x={PAD.left - 8} y={y(v) + 4} textAnchor="end">
              {format(v)}
            </text>
          </g>
        ))}
        {points.map((p, i) =>
          i % labelEvery === 0 ? (
            <text key={p.t} x={x(p.t)} y={H - 8} textAnchor="middle">
              {formatTime(p.t)}
            </text>
          ) : null,
        )}
        {segments.map((s, i) => (
          <path
            key={i}
            d={s.d}
            fill="none"
            stroke={color}
            strokeWidth={2.5}
            strokeDasharray={s.provisional ? "6 5" : undefined}
            strokeLinejoin="round"
          />
        ))}
        {points.length <= 120 &&
          points.map((p) => (
            <circle
              key={p.t}
              cx={x(p.t)}
              cy={y(p.y)}
              r={3.2}
              fill={p.provisional ? "var(--surface)" : color}
              stroke={color}
              strokeWidth={1.8}
            />
          ))}
        {active && (
          <>
            <line x1={x(active.t)} x2={x(active.t)} y1={PAD.top} y2={H - PAD.bottom} stroke="var(--muted)" strokeDasharray="2 3" />
            <circle cx={x(active.t)} cy={y(active.y)} r={6} fill="none" stroke={color} strokeWidth={2} />
          </>
        )}
      </svg>
      <figcaption id={descId} className="chart-tooltip" aria-live="polite">
        {active
          ? `${formatTime(active.t)}: ${format(active.y)}${active.provisional ? " (provisional)" : " (settled)"}`
          : "Hover or use the arrow keys to read a point."}
      </figcaption>
    </figure>
  );
}
