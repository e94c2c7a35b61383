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
