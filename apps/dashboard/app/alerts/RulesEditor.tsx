'use client';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';

/**
 * Edit the rules YAML in place: the server validates it (an error names the rule and field) and writes it
 * atomically; the alerter picks it up within seconds. Read-only when the shipped defaults are in use.
 */
export function RulesEditor() {
  const router = useRouter();
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
          setError(
            'The shipped default rules are read-only: set ALERT_RULES_FILE to a YAML file to edit rules here.',
          );
          return;
        }
        const body = (await res.json()) as { path?: string; yaml?: string; error?: string };
        if (!res.ok) setError(body.error ?? 'cannot read the rules file');
        else {
          setPath(body.path ?? '');
          setYaml(body.yaml ?? '');
        }
      })
      .catch((err: Error) => setError(err.message));
  }, [open, yaml]);
  async function save() {
    setMessage('');
    setError('');
    const res = await fetch('/alerts/api/rules/file', { method: 'PUT', body: yaml ?? '' });
    const body = (await res.json()) as { error?: string; rules?: string[] };
    if (!res.ok) setError(body.error ?? 'not saved');
    else {
      setMessage(
        `Saved ${body.rules?.length ?? 0} rules to ${path}; the alerter applies them within seconds.`,
      );
      router.refresh();
    }
  }
  return (
    <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)} data-testid="rules-editor">
      <summary>Edit rules (YAML)</summary>
      {yaml !== null ? (
        <>
          <textarea
            value={yaml}
            onChange={(e) => setYaml(e.target.value)}
            rows={24}
            spellCheck={false}
            style={{ width: '100%', fontFamily: 'ui-monospace, monospace', fontSize: 12 }}
            aria-label={`rules file ${path}`}
          />
          <button type="button" onClick={save}>
            Validate and save
          </button>
        </>
      ) : null}
      {message ? <p role="status">{message}</p> : null}
      {error ? (
        <p role="alert" className="status-down">
          {error}
        </p>
      ) : null}
    </details>
  );
}
