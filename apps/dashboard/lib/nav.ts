/** Top navigation. */
export const NAV = [
  { href: '/', label: 'Overview' },
  { href: '/events', label: 'Events' },
  { href: '/investigate', label: 'Event 105' },
  { href: '/alerts', label: 'Alerts' },
] as const satisfies readonly { href: string; label: string }[];
