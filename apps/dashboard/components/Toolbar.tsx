'use client';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useFormatter, useTranslations } from 'next-intl';
import { useEffect, useRef, useState } from 'react';
import { rangeParts } from '../i18n/range.ts';
import {
  parseRange,
  parseRefresh,
  REFRESH_OPTIONS,
  RELATIVE_RANGES,
  type RefreshOption,
  type RelativeRange,
  withParams,
} from '../lib/range.ts';

/** `YYYY-MM-DDThh:mm` (UTC) for <input type="datetime-local">. */
function toInput(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

/** Time range picker (relative + absolute, UTC) and auto-refresh; all state lives in the URL. */
export function Toolbar() {
  const router = useRouter();
  const pathname = usePathname();
  const sp = useSearchParams();
  const t = useTranslations('toolbar');
  const format = useFormatter();
  const range = parseRange(sp);
  const refreshLabel = (o: RefreshOption) => {
    const ms = REFRESH_OPTIONS[o];
    return ms % 60_000 === 0
      ? format.number(ms / 60_000, { style: 'unit', unit: 'minute', unitDisplay: 'narrow' })
      : format.number(ms / 1000, { style: 'unit', unit: 'second', unitDisplay: 'narrow' });
  };
  const refresh = parseRefresh(sp);
  // Filled when the form opens: "now" differs between server render and hydration.
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [absError, setAbsError] = useState('');
  const detailsRef = useRef<HTMLDetailsElement>(null);

  const go = (changes: Record<string, string | undefined>) =>
    router.push(`${pathname}${withParams(new URLSearchParams(sp.toString()), changes)}`);

  useAutoRefresh(REFRESH_OPTIONS[refresh], () => router.refresh());

  return (
    <>
      <fieldset className="seg" aria-label={t('timeRange')} style={{ border: 0, padding: 0, margin: 0 }}>
        {(Object.keys(RELATIVE_RANGES) as RelativeRange[]).map((r) => {
          const { count, unit } = rangeParts(r);
          return (
            <button
              key={r}
              type="button"
              aria-pressed={range.relative === r}
              aria-label={t('lastRange', { count, unit })}
              onClick={() => go({ range: r, from: undefined, to: undefined })}
            >
              {format.number(count, { style: 'unit', unit, unitDisplay: 'narrow' })}
            </button>
          );
        })}
      </fieldset>
      <details
        ref={detailsRef}
        className="abs"
        onToggle={(e) => {
          if (!(e.currentTarget as HTMLDetailsElement).open) return;
          setFrom(toInput(range.fromMs));
          setTo(toInput(range.toMs));
        }}
      >
        {/* An absolute range's label: the browser's ICU may space a date range differently from the server's. */}
        <summary aria-label={t('absoluteLabel')} data-testid="abs-toggle" suppressHydrationWarning>
          {range.relative ? t('absolute') : format.dateTimeRange(range.fromMs, range.toMs, 'minuteUtc')}
        </summary>
        <form
          className="abs-form"
          onSubmit={(e) => {
            e.preventDefault();
            const f = Date.parse(`${from}:00Z`);
            const u = Date.parse(`${to}:00Z`);
            if (!Number.isFinite(f) || !Number.isFinite(u) || u <= f) {
              setAbsError(t('fromBeforeTo'));
              return;
            }
            setAbsError('');
            detailsRef.current?.removeAttribute('open');
            go({ range: undefined, from: new Date(f).toISOString(), to: new Date(u).toISOString() });
          }}
        >
          <label>
            {t('fromUtc')}
            <input type="datetime-local" name="from" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            {t('toUtc')}
            <input type="datetime-local" name="to" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <button type="submit">{t('apply')}</button>
          {absError ? <span role="alert">{absError}</span> : null}
        </form>
      </details>
      <label className="refresh">
        <span>{t('autoRefresh')}</span>{' '}
        <select
          value={refresh}
          aria-label={t('autoRefreshInterval')}
          onChange={(e) => go({ refresh: e.target.value === 'off' ? undefined : e.target.value })}
        >
          {(Object.keys(REFRESH_OPTIONS) as RefreshOption[]).map((o) => (
            <option key={o} value={o}>
              {o === 'off' ? t('off') : refreshLabel(o)}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}

/** Calls `tick` every `ms` while the tab is visible; catches up at once when it becomes visible again. */
function useAutoRefresh(ms: number, tick: () => void) {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    if (!ms) return;
    let last = Date.now();
    const run = () => {
      if (document.visibilityState !== 'visible') return;
      last = Date.now();
      tickRef.current();
    };
    const timer = setInterval(run, ms);
    const onVisible = () => {
      if (document.visibilityState === 'visible' && Date.now() - last >= ms) run();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [ms]);
}
