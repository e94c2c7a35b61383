import { createTranslator } from 'next-intl';
import en from '../messages/en.json' with { type: 'json' };

/**
 * What went wrong, for an actionable one-line text (no stack traces for expected failures): a StoreError
 * already names cause and fix (`detail`); the others are explained by `errors.<kind>` in messages/*.json.
 */
export function errorKind(err: unknown): {
  kind: 'store' | 'unreachable' | 'noTables' | 'queryFailed';
  detail: string;
} {
  const e = err as { name?: string; message?: string };
  const detail = (e?.message ?? String(err)).split('\n')[0]?.trim() ?? '';
  if (e?.name === 'StoreError') return { kind: 'store', detail };
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|timeout/i.test(detail)) return { kind: 'unreachable', detail };
  if (/UNKNOWN_TABLE|doesn't exist|does not exist/i.test(detail)) return { kind: 'noTables', detail };
  return { kind: 'queryFailed', detail };
}

const english = createTranslator({ locale: 'en', messages: en, namespace: 'errors' });

/** The same text in English (messages/en.json), for route handlers whose answers scripts and logs read. */
export function describeError(err: unknown): string {
  const { kind, detail } = errorKind(err);
  return kind === 'store' ? detail : english(kind, { detail });
}
