/** Top navigation. The alerting work adds `{ href: '/alerts', label: 'Alerts' }` here. */
export const NAV = [
  { href: '/', label: 'Overview' },
  { href: '/events', label: 'Events' },
  { href: '/investigate', label: 'Event 105' },
] as const satisfies readonly { href: string; label: string }[];
