/**
 * The gateway's event catalog: the twelve event IDs of the original Log Analytics gateway, with the
 * original description and a remedy an operator can act on. Every other part of Gatewatch reads IDs,
 * levels and texts from here.
 */
export const EVENT_LEVELS = ['info', 'warning', 'error'] as const;
export type EventLevel = (typeof EVENT_LEVELS)[number];

export const EVENT_CATEGORIES = [
  'lifecycle',
  'tunnel',
  'policy',
  'tls',
  'config',
  'network',
  'internal',
] as const;
export type EventCategory = (typeof EVENT_CATEGORIES)[number];

export interface CatalogEntry {
  id: number;
  level: EventLevel;
  /** Short machine-friendly name. */
  name: string;
  category: EventCategory;
  /** The description of the original gateway's event table. */
  description: string;
  /** What an operator should do when this event shows up (empty for purely informational events). */
  remedy: string;
}

const entries = [
  {
    id: 100,
    level: 'info',
    name: 'general_info',
    category: 'lifecycle',
    description: 'General information.',
    remedy: '',
  },
  {
    id: 101,
    level: 'info',
    name: 'service_started',
    category: 'lifecycle',
    description: 'Service has started.',
    remedy: '',
  },
  {
    id: 102,
    level: 'info',
    name: 'service_stopped',
    category: 'lifecycle',
    description: 'Service has stopped.',
    remedy:
      'If the stop was not planned, check the host for OOM kills or restarts and look for event 400 just before it.',
  },
  {
    id: 103,
    level: 'info',
    name: 'connect_received',
    category: 'tunnel',
    description: 'An HTTP CONNECT command was received from client.',
    remedy: '',
  },
  {
    id: 104,
    level: 'warning',
    name: 'not_connect',
    category: 'tunnel',
    description: 'Not an HTTP CONNECT command.',
    remedy:
      'Point the client at the gateway as an HTTPS proxy (it must send CONNECT host:443); plain HTTP requests and other methods are refused.',
  },
  {
    id: 105,
    level: 'warning',
    name: 'destination_not_allowed',
    category: 'policy',
    description:
      "Destination server isn't in allowed list, or destination port isn't secure port (443). Ensure that the agent on your gateway server and the agents communicating with the gateway are connected to the same Log Analytics workspace.",
    remedy:
      'Configure the workspace on the gateways (npm run admin -- config set workspaces <ids>; the list replaces the configured one) or allow the host (npm run admin -- allowed-host add <host>); for an invalid client certificate add its subject (npm run admin -- allowed-client-certificate add "CN=...").',
  },
  {
    id: 106,
    level: 'warning',
    name: 'unsupported_tls_version',
    category: 'tls',
    description:
      'Unsupported TLS/SSL protocol version. The gateway supports only TLS 1.0, TLS 1.1, 1.2 and 1.3. It does not support SSL.',
    remedy:
      "Upgrade the agent's TLS stack (enable TLS 1.2 or 1.3 in the OS / .NET / OpenSSL settings); lower minTlsVersion only as a temporary exception.",
  },
  {
    id: 107,
    level: 'info',
    name: 'tls_session_verified',
    category: 'tls',
    description: 'The TLS session has been verified.',
    remedy: '',
  },
  {
    id: 400,
    level: 'error',
    name: 'application_error',
    category: 'internal',
    description: 'Any application error that has no specific ID.',
    remedy:
      'Report the message and trace id with the gateway version; the gateway keeps serving other connections.',
  },
  {
    id: 401,
    level: 'error',
    name: 'wrong_configuration',
    category: 'config',
    description: 'Wrong configuration. For example, listenPort = "text" instead of an integer.',
    remedy:
      'Fix the field named in the message (npm run admin -- config get shows the effective config); a running gateway keeps its last good config until then.',
  },
  {
    id: 402,
    level: 'error',
    name: 'tls_handshake_parse_error',
    category: 'tls',
    description: 'Exception in parsing TLS handshake messages.',
    remedy:
      'The client sent something other than a TLS ClientHello inside the tunnel; check that the agent speaks HTTPS to the target and that no other proxy rewrites the stream.',
  },
  {
    id: 403,
    level: 'error',
    name: 'networking_error',
    category: 'network',
    description: 'Networking error. For example, cannot connect to target server.',
    remedy:
      'Check DNS and outbound reachability of the target from the gateway host, the relay proxy address and credentials (npm run admin -- relay-proxy get), and firewall rules for port 443.',
  },
] as const satisfies readonly CatalogEntry[];

export type EventId = (typeof entries)[number]['id'];

export const EVENT_CATALOG: readonly CatalogEntry[] = entries;

export const EVENT_IDS: readonly EventId[] = entries.map((e) => e.id);

const byId = new Map<number, CatalogEntry>(entries.map((e) => [e.id, e]));

export function isEventId(id: number): id is EventId {
  return byId.has(id);
}

/** Catalog entry for an ID; throws for an ID that is not in the catalog. */
export function catalogEntry(id: number): CatalogEntry {
  const entry = byId.get(id);
  if (!entry) throw new RangeError(`unknown event id ${id}; known ids: ${EVENT_IDS.join(', ')}`);
  return entry;
}

/** Named constants, so code says `EVENT.DESTINATION_NOT_ALLOWED` rather than a bare 105. */
export const EVENT = {
  GENERAL_INFO: 100,
  SERVICE_STARTED: 101,
  SERVICE_STOPPED: 102,
  CONNECT_RECEIVED: 103,
  NOT_CONNECT: 104,
  DESTINATION_NOT_ALLOWED: 105,
  UNSUPPORTED_TLS_VERSION: 106,
  TLS_SESSION_VERIFIED: 107,
  APPLICATION_ERROR: 400,
  WRONG_CONFIGURATION: 401,
  TLS_HANDSHAKE_PARSE_ERROR: 402,
  NETWORKING_ERROR: 403,
} as const satisfies Record<string, EventId>;
