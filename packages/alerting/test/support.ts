/** Synthetic series and a tiny simulator that drives the pure engine minute by minute; a store + webhook receiver. */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '@gatewatch/store';
import {
  evaluateSpike,
  MINUTE,
  type MinuteSeries,
  type SpikeParams,
  spikeBaselineEnd,
} from '../src/detect.ts';
import { parseRule, type Rule } from '../src/rules.ts';
import { type AlertInstance, type AlertState, newInstance, step, wasActive } from '../src/state.ts';
import { type WebhookPayload, webhookPayloadSchema } from '../src/webhook.ts';

export const T0 = Date.UTC(2026, 0, 1);

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Poisson sample (Knuth; fine for the small means used here). */
export function poisson(rand: () => number, mean: number): number {
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rand();
  } while (p > l);
  return k - 1;
}

export function spikeRule(
  overrides: Record<string, unknown> = {},
  spike: Record<string, unknown> = {},
): Rule {
  return parseRule({
    name: 'TestSpike',
    metric: 'rejection_rate',
    scope: 'node',
    condition: { spike: { window: '5m', baseline: '1h', k: 6, floor: 10, ...spike } },
    for: '2m',
    annotations: { summary: 'spike on {{ $labels.node }}' },
    ...overrides,
  });
}

export function spikeParams(rule: Rule): SpikeParams {
  if (!('spike' in rule.condition)) throw new Error('not a spike rule');
  const s = rule.condition.spike;
  return {
    windowMs: rule.windowMs,
    baselineMs: rule.baselineMs,
    k: s.k,
    floor: s.floor,
    minRatio: s.min_ratio,
    clearRatio: s.clear_ratio,
  };
}

export interface SimStep {
  t: number;
  minute: number;
  state: AlertState;
  inst: AlertInstance;
}

/** Evaluates the rule at the end of every minute once a full baseline + window is available. */
export function simulate(rule: Rule, counts: (number | null)[]): SimStep[] {
  const series: MinuteSeries = { startMs: T0, counts };
  const p = spikeParams(rule);
  const firstMinute = (p.windowMs + p.baselineMs) / MINUTE;
  let inst = newInstance(rule.name, 'fp', { node: 'n1' }, T0);
  const out: SimStep[] = [];
  for (let m = firstMinute; m <= counts.length; m++) {
    const t = T0 + m * MINUTE;
    const active = wasActive(inst);
    const obs = evaluateSpike(series, t, p, active, spikeBaselineEnd(t, p, active ? inst.activeAt : null));
    inst = step(inst, obs, rule, t);
    out.push({ t, minute: m, state: inst.state, inst });
  }
  return out;
}

/** States as a run-length string, e.g. "inactive×65 pending×2 firing×10". */
export function runs(steps: readonly SimStep[]): string {
  const parts: string[] = [];
  let prev = '';
  let n = 0;
  for (const s of steps) {
    if (s.state === prev) n++;
    else {
      if (prev) parts.push(`${prev}×${n}`);
      prev = s.state;
      n = 1;
    }
  }
  if (prev) parts.push(`${prev}×${n}`);
  return parts.join(' ');
}

export interface Backend {
  store: Store;
  /** The webhook receiver's URL; every payload it got, schema-checked, in arrival order. */
  url: string;
  got: WebhookPayload[];
  close(): Promise<void>;
}

/** An embedded chDB store in a temp dir and a webhook receiver on a loopback port. */
export async function startBackend(prefix: string): Promise<Backend> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const store = await openStore({ dataDir: dir });
  const got: WebhookPayload[] = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      got.push(webhookPayloadSchema.parse(JSON.parse(body)));
      res.end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  return {
    store,
    url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
    got,
    async close() {
      await new Promise<void>((r) => hook.close(() => r()));
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
