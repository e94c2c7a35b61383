/**
 * Event catalog texts (packages/events, English) translated in messages/*.json as events.<id>.description
 * and events.<id>.remedy. Commands inside a remedy are placeholders ({command1}, …) filled from here, so
 * they stay verbatim in every language; test/i18n.test.ts checks they are the catalog's own commands.
 */
export const REMEDY_COMMANDS: Readonly<Record<number, readonly string[]>> = {
  105: [
    'npm run admin -- config set workspaces <ids>',
    'npm run admin -- allowed-host add <host>',
    'npm run admin -- allowed-client-certificate add "CN=..."',
  ],
  401: ['npm run admin -- config get'],
  403: ['npm run admin -- relay-proxy get'],
};

/** The values of an event's remedy message: `{ command1: 'npm run admin -- …', … }`. */
export function remedyValues(id: number): Record<string, string> {
  return Object.fromEntries((REMEDY_COMMANDS[id] ?? []).map((c, i) => [`command${i + 1}`, c]));
}

/** A translator without the typed-key check (event ids are data). */
type AnyTranslator = { (key: string, values?: Record<string, string>): string; has(key: string): boolean };

/** An event's catalog text in the reader's language, or undefined when messages/*.json do not translate it. */
export function eventText(t: unknown, id: number, key: 'description' | 'remedy'): string | undefined {
  const tr = t as AnyTranslator;
  const k = `events.${id}.${key}`;
  return tr.has(k) ? tr(k, key === 'remedy' ? remedyValues(id) : undefined) : undefined;
}
