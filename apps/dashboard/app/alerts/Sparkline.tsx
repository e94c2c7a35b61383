/** A tiny server-rendered SVG sparkline (one point per minute; gaps where there was no data). */
export function Sparkline({
  points,
  threshold,
  label,
}: {
  points: { ts: number; value: number | null }[];
  threshold: number | null;
  label: string;
}) {
  const w = 120;
  const h = 24;
  const values = points.map((p) => p.value).filter((v): v is number => v !== null);
  const max = Math.max(1, threshold ?? 0, ...values);
  const x = (i: number) => (points.length <= 1 ? 0 : (i / (points.length - 1)) * w);
  const y = (v: number) => h - 1 - (v / max) * (h - 2);
  const segments: string[] = [];
  let current = '';
  points.forEach((p, i) => {
    if (p.value === null) {
      if (current) segments.push(current);
      current = '';
    } else current += `${current ? ' L' : 'M'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`;
  });
  if (current) segments.push(current);
  return (
    <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label} className="sparkline">
      {threshold !== null ? (
        <line
          x1={0}
          x2={w}
          y1={y(threshold)}
          y2={y(threshold)}
          stroke="var(--down)"
          strokeDasharray="3 2"
          strokeWidth={1}
        />
      ) : null}
      {segments.map((d) => (
        <path key={d} d={d} fill="none" stroke="var(--accent)" strokeWidth={1.5} />
      ))}
    </svg>
  );
}
