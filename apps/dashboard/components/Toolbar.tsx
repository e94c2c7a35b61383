'use client';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import {
  parseRange,
  parseRefresh,
  REFRESH_OPTIONS,
  RELATIVE_RANGES,
  type RefreshOption,
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
  const range = parseRange(sp);
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
      <fieldset className="seg" aria-label="Time range" style={{ border: 0, padding: 0, margin: 0 }}>
        {Object.keys(RELATIVE_RANGES).map((r) => (
          <button
            key={r}
            type="button"
            aria-pressed={range.relative === r}
            aria-label={`Last ${r}`}
            onClick={() => go({ range: r, from: undefined, to: undefined })}
          >
            {r}
          </button>
        ))}
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
        <summary aria-label="Absolute time range" data-testid="abs-toggle">
          {range.relative ? 'Absolute…' : range.label}
        </summary>
        <form
          className="abs-form"
          onSubmit={(e) => {
            e.preventDefault();
            const f = Date.parse(`${from}:00Z`);
            const t = Date.parse(`${to}:00Z`);
            if (!Number.isFinite(f) || !Number.isFinite(t) || t <= f) {
              setAbsError('“From” must be before “To” (times are UTC).');
              return;
            }
            setAbsError('');
            detailsRef.current?.removeAttribute('open');
            go({ range: undefined, from: new Date(f).toISOString(), to: new Date(t).toISOString() });
          }}
        >
          <label>
            From (UTC)
            <input type="datetime-local" name="from" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            To (UTC)
            <input type="datetime-local" name="to" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <button type="submit">Apply</button>
          {absError ? <span role="alert">{absError}</span> : null}
        </form>
      </details>
      <label className="refresh">
        <span>Auto-refresh</span>{' '}
        <select
          value={refresh}
          aria-label="Auto-refresh interval"
          onChange={(e) => go({ refresh: e.target.value === 'off' ? undefined : e.target.value })}
        >
          {(Object.keys(REFRESH_OPTIONS) as RefreshOption[]).map((o) => (
            <option key={o} value={o}>
              {o}
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
