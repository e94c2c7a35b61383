'use client';
import { useRouter } from 'next/navigation';
import { useTranslations } from 'next-intl';
import { useEffect, useState } from 'react';

/**
 * Edit the rules YAML in place: the server validates it (an error names the rule and field) and writes it
 * atomically; the alerter picks it up within seconds. Read-only when the shipped defaults are in use.
 */
export function RulesEditor() {
  const router = useRouter();
  const t = useTranslations('alerts.editor');
  const [readOnly, setReadOnly] = useState(false);
  const [yaml, setYaml] = useState<string | null>(null);
  const [path, setPath] = useState('');
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    if (!open || yaml !== null) return;
    fetch('/alerts/api/rules/file')
      .then(async (res) => {
        if (res.status === 404) {
          setReadOnly(true);
          return;
        }
        const body = (await res.json()) as { path?: string; yaml?: string; error?: string };
        if (!res.ok) setError(body.error ?? t('cannotRead'));
        else {
          setPath(body.path ?? '');
          setYaml(body.yaml ?? '');
        }
      })
      .catch((err: Error) => setError(err.message));
  }, [open, yaml, t]);
  async function save() {
    setMessage('');
    setError('');
    const res = await fetch('/alerts/api/rules/file', { method: 'PUT', body: yaml ?? '' });
    const body = (await res.json()) as { error?: string; rules?: string[] };
    if (!res.ok) setError(body.error ?? t('notSaved'));
    else {
      setMessage(t('saved', { count: body.rules?.length ?? 0, path }));
      router.refresh();
    }
  }
  return (
    <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)} data-testid="rules-editor">
      <summary>{t('summary')}</summary>
      {yaml !== null ? (
        <>
          <textarea
            value={yaml}
            onChange={(e) => setYaml(e.target.value)}
            rows={24}
            spellCheck={false}
            style={{ width: '100%', fontFamily: 'ui-monospace, monospace', fontSize: 12 }}
            aria-label={t('fileLabel', { path })}
          />
          <button type="button" onClick={save}>
            {t('save')}
          </button>
        </>
      ) : null}
      {message ? <p role="status">{message}</p> : null}
      {readOnly ? (
        <p role="alert" className="status-down">
          {t.rich('readOnlyDefaults', { code: (c) => <code>{c}</code> })}
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="status-down">
          {error}
        </p>
      ) : null}
    </details>
  );
}
