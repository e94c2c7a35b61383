import type { Ingester } from '@gatewatch/pipeline';

/**
 * /metrics of the ingesters in this process. One member: its text as is. Several: every sample gets a
 * `member="i"` label and HELP/TYPE lines appear once, so the exposition stays valid Prometheus text.
 */
export function ingesterMetricsText(ingesters: Ingester[]): string {
  if (ingesters.length <= 1) return ingesters[0]?.metricsText() ?? '';
  const seen = new Set<string>();
  const out: string[] = [];
  ingesters.forEach((ing, i) => {
    for (const line of ing.metricsText().split('\n')) {
      if (!line) continue;
      if (line.startsWith('#')) {
        if (!seen.has(line)) out.push(line);
        seen.add(line);
        continue;
      }
      const label = `member="${i + 1}"`;
      const brace = line.indexOf('{');
      const space = line.indexOf(' ');
      out.push(
        brace >= 0 && brace < space
          ? `${line.slice(0, brace + 1)}${label},${line.slice(brace + 1)}`
          : `${line.slice(0, space)}{${label}}${line.slice(space)}`,
      );
    }
  });
  return `${out.join('\n')}\n`;
}
