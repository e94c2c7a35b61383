'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"?([^"]*?)"?\s*$/;

/** `alertname=RejectionSpikePerNode, node=~gw-.*` → matchers; null names the bad part. */
export function parseMatchers(text: string): { name: string; op: string; value: string }[] | string {
  const out: { name: string; op: string; value: string }[] = [];
  for (const part of text.split(',').filter((p) => p.trim())) {
    const m = MATCHER.exec(part);
    if (!m)
      return `"${part.trim()}" is not a matcher: write name=value, name!=value, name=~regex or name!~regex`;
    out.push({ name: m[1] ?? '', op: m[2] ?? '=', value: m[3] ?? '' });
  }
  return out.length ? out : 'add at least one matcher, e.g. alertname=RejectionSpikePerNode';
}

/** Create-silence form: posts to the alerts API, then refreshes the server-rendered page. */
export function SilenceForm({ initial }: { initial?: string }) {
  const router = useRouter();
  const [matchers, setMatchers] = useState(initial ?? '');
  // One hour by default: long enough to fix the cause, short enough not to hide the next incident.
  const [hours, setHours] = useState('1');
  const [comment, setComment] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const parsed = parseMatchers(matchers);
    if (typeof parsed === 'string') {
      setError(parsed);
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
      setError(((await res.json()) as { error?: string }).error ?? 'the silence was not saved');
      return;
    }
    setMatchers('');
    setComment('');
    router.refresh();
  }
  return (
    <form className="filters" onSubmit={submit} data-testid="silence-form" id="silence-form">
      <label className="field">
        Matchers
        <input
          value={matchers}
          onChange={(e) => setMatchers(e.target.value)}
          placeholder='alertname=RejectionSpikePerNode, node=~"gw-.*"'
          size={44}
          required
        />
      </label>
      <label className="field">
        For
        <select value={hours} onChange={(e) => setHours(e.target.value)}>
          {['1', '2', '4', '8', '24', '72'].map((h) => (
            <option key={h} value={h}>
              {h} h
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        Comment
        <input value={comment} onChange={(e) => setComment(e.target.value)} size={28} />
      </label>
      <button type="submit" disabled={busy}>
        Silence
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
  const [error, setError] = useState('');
  return (
    <>
      <button
        type="button"
        onClick={async () => {
          const res = await fetch(`/alerts/api/silences/${encodeURIComponent(id)}`, { method: 'DELETE' });
          if (!res.ok) setError(((await res.json()) as { error?: string }).error ?? 'not expired');
          else router.refresh();
        }}
      >
        Expire
      </button>
      {error ? <span className="status-down"> {error}</span> : null}
    </>
  );
}
