'use client';

/** Unexpected render failures (expected store errors are shown inline by each page). */
export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <div className="callout error" role="alert">
      <strong>This page failed to render.</strong>
      <p>
        {error.message || 'An unexpected error occurred'} — see the dashboard server log
        {error.digest ? ` (digest ${error.digest})` : ''}, then{' '}
        <button type="button" onClick={reset}>
          retry
        </button>
      </p>
    </div>
  );
}
