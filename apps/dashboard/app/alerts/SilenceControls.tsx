'use client';
import { useRouter } from 'next/navigation';
import { useFormatter, useTranslations } from 'next-intl';
import { useState } from 'react';

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"?([^"]*?)"?\s*$/;
/** Matcher syntax (not translated): the input's placeholder and the example of the "add one" error. */
const EXAMPLE = 'alertname=RejectionSpikePerNode, node=~"gw-.*"';

type Matcher = { name: string; op: string; value: string };
/** `alertname=RejectionSpikePerNode, node=~gw-.*` → matchers, or what is wrong (a message key and its part). */
export function parseMatchers(
  text: string,
): Matcher[] | { error: 'notMatcher' | 'needMatcher'; part?: string } {
  const out: Matcher[] = [];
  for (const part of text.split(',').filter((p) => p.trim())) {
    const m = MATCHER.exec(part);
    if (!m) return { error: 'notMatcher', part: part.trim() };
    out.push({ name: m[1] ?? '', op: m[2] ?? '=', value: m[3] ?? '' });
  }
  return out.length ? out : { error: 'needMatcher' };
}

/** Create-silence form: posts to the alerts API, then refreshes the server-rendered page. */
export function SilenceForm({ initial }: { initial?: string }) {
  const router = useRouter();
  const t = useTranslations('alerts.form');
  const format = useFormatter();
  const [matchers, setMatchers] = useState(initial ?? '');
  // One hour by default: long enough to fix the cause, short enough not to hide the next incident.
  const [hours, setHours] = useState('1');
  const [comment, setComment] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const parsed = parseMatchers(matchers);
    if (!Array.isArray(parsed)) {
      setError(
        parsed.error === 'notMatcher'
          ? t('notMatcher', { part: parsed.part ?? '' })
          : t('needMatcher', { example: 'alertname=RejectionSpikePerNode' }),
      );
      return;
    }
    setBusy(true);
    setError('');
    const res = await fetch('/alerts/api/silences', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: parsed,
        endsAt: new Date(Date.now() + Number(hours) * 3_600_000).toISOString(),
        comment,
        createdBy: 'dashboard',
      }),
    }).catch((err: Error) => ({ ok: false, json: async () => ({ error: err.message }) }));
    setBusy(false);
    if (!res.ok) {
      setError(((await res.json()) as { error?: string }).error ?? t('notSaved'));
      return;
    }
    setMatchers('');
    setComment('');
    router.refresh();
  }
  return (
    <form className="filters" onSubmit={submit} data-testid="silence-form" id="silence-form">
      <label className="field">
        {t('matchers')}
        <input
          value={matchers}
          onChange={(e) => setMatchers(e.target.value)}
          placeholder={EXAMPLE}
          size={44}
          required
        />
      </label>
      <label className="field">
        {t('for')}
        <select value={hours} onChange={(e) => setHours(e.target.value)}>
          {['1', '2', '4', '8', '24', '72'].map((h) => (
            <option key={h} value={h}>
              {format.number(Number(h), { style: 'unit', unit: 'hour', unitDisplay: 'short' })}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        {t('comment')}
        <input value={comment} onChange={(e) => setComment(e.target.value)} size={28} />
      </label>
      <button type="submit" disabled={busy}>
        {t('silence')}
      </button>
      {error ? (
        <span role="alert" className="status-down">
          {error}
        </span>
      ) : null}
    </form>
  );
}

export function ExpireButton({ id }: { id: string }) {
  const router = useRouter();
  const t = useTranslations('alerts.form');
  const [error, setError] = useState('');
  return (
    <>
      <button
        type="button"
        onClick={async () => {
          const res = await fetch(`/alerts/api/silences/${encodeURIComponent(id)}`, { method: 'DELETE' });
          if (!res.ok) setError(((await res.json()) as { error?: string }).error ?? t('notExpired'));
          else router.refresh();
        }}
      >
        {t('expire')}
      </button>
      {error ? <span className="status-down"> {error}</span> : null}
    </>
  );
}
