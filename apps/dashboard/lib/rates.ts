/**
 * The Overview's "now" rates: fleet rejections and errors per minute, read and computed exactly as the
 * alert rules do (@gatewatch/alerting: counterMinutes → counterInstances(…, 'fleet') → rateOver), so a
 * tile and a rejection-spike rule never disagree about the current rate.
 */
import { counterInstances, counterMinutes, MINUTE, rateOver } from '@gatewatch/alerting';
import type { Store } from '@gatewatch/store';

/** How far back the newest complete minute with samples may lie (older: no current rate). */
export const RATE_LOOKBACK_MIN = 15;
/** The spike rules' window: the average the rules compare with their threshold. */
export const RULE_WINDOW_MIN = 5;

export interface CurrentRate {
  /** Per minute in the newest complete minute with samples; null without one. */
  perMin: number | null;
  /** Per minute over the RULE_WINDOW_MIN minutes ending with it (minutes with data, as the rules count). */
  windowPerMin: number | null;
}
export interface CurrentRates {
  /** Start of that minute (epoch ms), null when no node sent a sample in the lookback. */
  minuteMs: number | null;
  rejections: CurrentRate;
  errors: CurrentRate;
}

export async function currentRates(store: Store, nowMs: number): Promise<CurrentRates> {
  const end = Math.floor(nowMs / MINUTE) * MINUTE; // minutes before this one are complete
  // One extra minute seeds the counter values the first minute's increases start from (as the alerter).
  const minutes = RATE_LOOKBACK_MIN + RULE_WINDOW_MIN + 1;
  const startMs = end - minutes * MINUTE;
  const rows = await counterMinutes(store, { fromMs: startMs, toMs: end });
  const fleet = (field: 'rejection' | 'error') =>
    counterInstances(rows, field, 'fleet', startMs, minutes)[0]?.series ?? { startMs, counts: [] };
  const rejections = fleet('rejection');
  const errors = fleet('error');
  let last = minutes - 1;
  while (last > RULE_WINDOW_MIN && (rejections.counts[last] ?? null) === null) last--;
  if (last <= RULE_WINDOW_MIN) {
    const none = { perMin: null, windowPerMin: null };
    return { minuteMs: null, rejections: none, errors: none };
  }
  const to = startMs + (last + 1) * MINUTE;
  const rate = (s: typeof rejections): CurrentRate => ({
    perMin: rateOver(s, to - MINUTE, to),
    windowPerMin: rateOver(s, to - RULE_WINDOW_MIN * MINUTE, to),
  });
  return { minuteMs: to - MINUTE, rejections: rate(rejections), errors: rate(errors) };
}
