/**
 * Alert instance state machine, one instance per (rule × labels):
 *   inactive → pending (condition true) → firing (true for `for`) → resolved (false for `keep_firing_for`)
 * and `nodata` when the instance sent nothing: it neither fires nor resolves silently, and picks up where it
 * was when data returns.
 */
import type { Observation } from './detect.ts';
import type { Labels } from './labels.ts';

export const ALERT_STATES = ['inactive', 'pending', 'firing', 'resolved', 'nodata'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export interface AlertInstance {
  rule: string;
  fingerprint: string;
  labels: Labels;
  annotations: Labels;
  state: AlertState;
  /** When the state was entered. */
  since: number;
  /** When the condition became true (start of pending). */
  activeAt: number | null;
  /** When it started firing: the Alertmanager `startsAt`. */
  firedAt: number | null;
  resolvedAt: number | null;
  /** Last evaluation at which the condition held (drives keep_firing_for). */
  lastTrueAt: number | null;
  /** The state the instance was in when data stopped (nodata only). */
  nodataFrom: AlertState | null;
  value: number | null;
  threshold: number | null;
  baseline: number | null;
  lastEvalAt: number;
}

export interface StepRule {
  forMs: number;
  keepFiringForMs: number;
}

/** Whether the condition's hysteresis should use the "already active" threshold. */
export function wasActive(inst: AlertInstance | undefined): boolean {
  if (!inst) return false;
  const s = inst.state === 'nodata' ? inst.nodataFrom : inst.state;
  return s === 'pending' || s === 'firing';
}

export function newInstance(rule: string, fp: string, labels: Labels, t: number): AlertInstance {
  return {
    rule,
    fingerprint: fp,
    labels,
    annotations: {},
    state: 'inactive',
    since: t,
    activeAt: null,
    firedAt: null,
    resolvedAt: null,
    lastTrueAt: null,
    nodataFrom: null,
    value: null,
    threshold: null,
    baseline: null,
    lastEvalAt: t,
  };
}

/** Next state of an instance for an observation at time t (pure; returns a new object). */
export function step(prev: AlertInstance, obs: Observation, rule: StepRule, t: number): AlertInstance {
  const next: AlertInstance = {
    ...prev,
    value: obs.value,
    threshold: obs.threshold,
    baseline: obs.baseline,
    lastEvalAt: t,
  };
  const enter = (state: AlertState) => {
    if (next.state !== state) {
      next.state = state;
      next.since = t;
    }
  };

  if (!obs.hasData) {
    if (prev.state === 'pending' || prev.state === 'firing') {
      next.nodataFrom = prev.state;
      enter('nodata');
    }
    return next;
  }

  // Data is back after a gap: continue from the state the instance had before it.
  const from: AlertState = prev.state === 'nodata' ? (prev.nodataFrom ?? 'inactive') : prev.state;
  if (prev.state === 'nodata') {
    next.state = from;
    next.since = t;
    next.nodataFrom = null;
  }

  if (obs.active) {
    next.lastTrueAt = t;
    if (from === 'inactive' || from === 'resolved') {
      next.activeAt = t;
      next.firedAt = null;
      next.resolvedAt = null;
      enter('pending');
    }
    if (next.state === 'pending' && t - (next.activeAt ?? t) >= rule.forMs) {
      next.firedAt = t;
      enter('firing');
    }
    return next;
  }

  if (from === 'pending') {
    next.activeAt = null;
    enter('inactive');
  } else if (from === 'firing') {
    const keep = next.lastTrueAt !== null && t - next.lastTrueAt < rule.keepFiringForMs;
    if (!keep) {
      next.resolvedAt = t;
      enter('resolved');
    }
  }
  return next;
}
