/** Top navigation; `key` names the label in the `nav` namespace of messages/*.json. */
export const NAV = [
  { href: '/', key: 'overview' },
  { href: '/events', key: 'events' },
  { href: '/investigate', key: 'investigate' },
  { href: '/workspaces', key: 'workspaces' },
  { href: '/agents', key: 'agents' },
  { href: '/alerts', key: 'alerts' },
] as const satisfies readonly { href: string; key: string }[];
