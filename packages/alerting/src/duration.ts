/** Prometheus-style durations: `30s`, `5m`, `1h`, `1h30m`, `2d`, or `0`. */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+(?:ms|s|m|h|d))+$/;

export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  if (!DURATION.test(s)) throw new RangeError(`invalid duration "${text}": use e.g. 30s, 5m, 1h, 1h30m`);
  let ms = 0;
  for (const [, n, unit] of s.matchAll(/(\d+)(ms|s|m|h|d)/g)) ms += Number(n) * (UNIT_MS[unit ?? 's'] ?? 0);
  return ms;
}

export function isDuration(text: string): boolean {
  return text.trim() === '0' || DURATION.test(text.trim());
}

export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}
