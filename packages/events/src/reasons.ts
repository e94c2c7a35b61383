/**
 * Machine-readable reasons for a refused connection. Each refusal increments Rejection Count and the
 * per-reason breakdown; the event it is reported under is given here so the two never disagree.
 */
export const REJECTION_REASONS = {
  host_not_allowed: { eventId: 105, label: 'Host not allowed' },
  port_not_allowed: { eventId: 105, label: 'Port not 443' },
  workspace_not_configured: { eventId: 105, label: 'Workspace not configured' },
  client_certificate_invalid: { eventId: 105, label: 'Invalid client certificate' },
  address_not_allowed: { eventId: 105, label: 'Address not allowed (SSRF guard)' },
  sni_mismatch: { eventId: 105, label: 'SNI does not match CONNECT host' },
  tls_version_unsupported: { eventId: 106, label: 'TLS/SSL version not supported' },
  tls_parse_error: { eventId: 402, label: 'Not a TLS ClientHello' },
  method_not_allowed: { eventId: 104, label: 'Not a CONNECT request' },
  header_timeout: { eventId: 104, label: 'Request header timeout' },
  header_too_large: { eventId: 104, label: 'Request header too large' },
  bad_request: { eventId: 104, label: 'Malformed request' },
  connection_limit: { eventId: 100, label: 'Too many concurrent connections' },
  rate_limited: { eventId: 100, label: 'Client connection rate exceeded' },
} as const;

export type RejectionReason = keyof typeof REJECTION_REASONS;
export const REJECTION_REASON_NAMES = Object.keys(REJECTION_REASONS) as RejectionReason[];

/** Reasons under which event 105 is reported (the 105 investigation view breaks these down). */
export const REASONS_105 = REJECTION_REASON_NAMES.filter((r) => REJECTION_REASONS[r].eventId === 105);
