/** An error a user can hit: the message is one line naming the cause and the fix (no stack needed). */
export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** First line of an error's message, without ClickHouse's stack trace noise. */
export function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n')[0] ?? '').trim();
}
