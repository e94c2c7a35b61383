/**
 * Reads what the rules need at time t (one query per data source, shared by all rules) and computes each
 * instance's observation. Used by the evaluator and by the Alerts page (current values, sparklines).
 */
import type { Store } from '@gatewatch/store';
import {
  evaluateSpike,
  evaluateThreshold,
  MAX_BASELINE_FREEZE,
  MINUTE,
  type MinuteSeries,
  type Observation,
  rateOver,
  type SpikeParams,
  spikeBaselineEnd,
  type ThresholdParams,
} from './detect.ts';
import type { Labels } from './labels.ts';
import {
  agentSilence,
  counterMinutes,
  type EventMinuteRow,
  eventMinutes,
  lastSamples,
  nodeStops,
} from './queries.ts';
import { agentSettings, type Rule } from './rules.ts';
import { counterInstances, eventInstances, type InstanceSeries, presence, scopeLabels } from './series.ts';
import { type AlertInstance, wasActive } from './state.ts';

/** The labels of an alert instance: the rule's labels, the scope label, and alertname. */
export function alertLabels(rule: Rule, scope: Labels): Labels {
  return { ...rule.labels, ...scope, alertname: rule.name };
}

export function spikeParamsOf(
  rule: Rule,
  s: { k: number; floor: number; min_ratio: number; clear_ratio: number },
): SpikeParams {
  return {
    windowMs: rule.windowMs,
    baselineMs: rule.baselineMs,
    k: s.k,
    floor: s.floor,
    minRatio: s.min_ratio,
    clearRatio: s.clear_ratio,
  };
}

export interface InstanceObservation {
  /** Scope labels only (node / workspace / none; agent, workspace and node for scope agent). */
  scope: Labels;
  obs: Observation;
  /** Per-minute counts the value came from (null for gauges). */
  series: MinuteSeries | null;
}

export interface ObserveResult {
  byRule: Map<string, InstanceObservation[]>;
  errors: string[];
  failedRules: string[];
}

/**
 * `prior` gives the instance's current state (for hysteresis and the frozen spike baseline).
 * A rule whose query fails is left out of byRule (its states must stay as they are).
 */
export async function observeRules(
  store: Store,
  rules: readonly Rule[],
  t: number,
  prior: (rule: Rule, scope: Labels) => AlertInstance | undefined,
  opts: {
    nodeLookbackMs: number;
    activeRules?: ReadonlySet<string>;
    /** Scope labels of the rule's open instances (pending, firing, no data): scope agent reports on them. */
    known?: (rule: Rule) => Labels[];
  },
): Promise<ObserveResult> {
  const byRule = new Map<string, InstanceObservation[]>();
  const errors: string[] = [];
  const failedRules: string[] = [];
  // Active spike instances keep a frozen baseline from before they started: read far enough back for it.
  const frozen = (r: Rule) => (opts.activeRules?.has(r.name) ? MAX_BASELINE_FREEZE * r.baselineMs : 0);
  const rangeMs = Math.max(MINUTE, ...rules.map((r) => r.windowMs + r.baselineMs + frozen(r)));
  // One extra minute seeds the counter values the first window's increases start from.
  const startMs = t - rangeMs - MINUTE;
  const minutes = Math.round((t - startMs) / MINUTE);
  const needsCounters = rules.some((r) => r.metric !== 'last_sample_age' && r.metric !== 'agent_silence');
  const counters = needsCounters ? await counterMinutes(store, { fromMs: startMs, toMs: t }) : [];
  const alive = presence(counters, startMs, minutes);
  const eventCache = new Map<string, Promise<EventMinuteRow[]>>();
  let ages: Promise<{ nodeId: string; lastTs: number }[]> | null = null;
  let stops: Promise<Map<string, number>> | null = null;

  for (const rule of rules) {
    const out: InstanceObservation[] = [];
    try {
      if (rule.metric === 'last_sample_age') {
        ages ??= lastSamples(store, { fromMs: t - opts.nodeLookbackMs, toMs: t });
        const c = 'threshold' in rule.condition ? rule.condition.threshold : null;
        for (const { nodeId, lastTs } of c ? await ages : []) {
          const scope = scopeLabels('node', nodeId);
          const value = Math.max(0, (t - lastTs) / 1000);
          out.push({
            scope,
            obs: evaluateThreshold(value, c ?? { op: '>', value: 0 }, wasActive(prior(rule, scope))),
            series: null,
          });
        }
        byRule.set(rule.name, out);
        continue;
      }
      if (rule.metric === 'agent_silence') {
        ages ??= lastSamples(store, { fromMs: t - opts.nodeLookbackMs, toMs: t });
        stops ??= nodeStops(store, { fromMs: t - opts.nodeLookbackMs, toMs: t });
        const c = 'threshold' in rule.condition ? rule.condition.threshold : null;
        if (c) out.push(...(await observeAgents(store, rule, c, t, await ages, await stops, prior, opts)));
        byRule.set(rule.name, out);
        continue;
      }
      let series: InstanceSeries[];
      if (rule.metric === 'event_rate') {
        const k = `${rule.event}:${rule.reason ?? ''}`;
        let rows = eventCache.get(k);
        if (!rows) {
          rows = eventMinutes(store, {
            fromMs: startMs,
            toMs: t,
            eventId: rule.event ?? 0,
            reason: rule.reason ?? '',
          });
          eventCache.set(k, rows);
        }
        series = eventInstances(await rows, alive, rule.scope, startMs, minutes);
      } else {
        const field = rule.metric === 'rejection_rate' ? 'rejection' : 'error';
        series = counterInstances(counters, field, rule.scope, startMs, minutes);
      }
      const c = rule.condition;
      for (const s of series) {
        const before = prior(rule, s.labels);
        const wasOn = wasActive(before);
        let obs: Observation;
        if ('spike' in c) {
          const p = spikeParamsOf(rule, c.spike);
          const end = spikeBaselineEnd(t, p, wasOn ? (before?.activeAt ?? null) : null);
          obs = evaluateSpike(s.series, t, p, wasOn, end);
        } else {
          obs = evaluateThreshold(rateOver(s.series, t - rule.windowMs, t), c.threshold, wasOn);
        }
        out.push({ scope: s.labels, obs, series: s.series });
      }
      byRule.set(rule.name, out);
    } catch (err) {
      errors.push(`rule ${rule.name}: ${(err as Error).message.split('\n')[0]}`);
      failedRules.push(rule.name);
    }
  }
  return { byRule, errors, failedRules };
}

/**
 * AgentStoppedReporting: per regular agent, seconds since its last upload. An agent whose last node is down
 * (no counter sample for node_down_after) or stopped (its last event 102 is newer than its last sample) has
 * no data: a planned stop of a gateway, or a crash that NodeStoppedReporting reports, does not page once per
 * agent. An agent with an open instance keeps that instance's labels, so its return resolves it.
 */
async function observeAgents(
  store: Store,
  rule: Rule,
  c: ThresholdParams,
  t: number,
  samples: readonly { nodeId: string; lastTs: number }[],
  stops: ReadonlyMap<string, number>,
  prior: (rule: Rule, scope: Labels) => AlertInstance | undefined,
  opts: { nodeLookbackMs: number; known?: (rule: Rule) => Labels[] },
): Promise<InstanceObservation[]> {
  const { historyMs, nodeDownAfterMs } = agentSettings(rule);
  const known = new Map((opts.known?.(rule) ?? []).map((l) => [l.agent ?? '', l]));
  const lastSample = new Map(samples.map((s) => [s.nodeId, s.lastTs]));
  // Fetch every agent the condition could hold for (the lower of the firing and clearing thresholds).
  const silentFor = c.op === '>' ? Math.min(c.value, c.clear ?? c.value) * 1000 : 0;
  const rows = await agentSilence(store, {
    fromMs: t - opts.nodeLookbackMs - historyMs,
    toMs: t,
    silentBeforeMs: t - silentFor,
    hours: historyMs / 3_600_000,
    known: [...known.keys()],
  });
  return rows.map((r) => {
    const scope = known.get(r.agent) ?? { agent: r.agent, workspace: r.workspaceId, node: r.nodeId };
    const value = Math.round(Math.max(0, t - r.lastActive) / 1000);
    const sampled = lastSample.get(r.nodeId);
    const nodeUp =
      sampled !== undefined && t - sampled <= nodeDownAfterMs && (stops.get(r.nodeId) ?? 0) < sampled;
    const obs: Observation = nodeUp
      ? evaluateThreshold(value, c, wasActive(prior(rule, scope)))
      : { hasData: false, active: false, value, threshold: c.value, baseline: null };
    return { scope, obs, series: null };
  });
}
