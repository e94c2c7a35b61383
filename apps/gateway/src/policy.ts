/**
 * Destination policy: exact names and `*.suffix` wildcards (case-insensitive, trailing dot ignored), configured
 * workspaces' endpoint hosts, region handlers, port 443 only. IP literals match only an exact IP entry.
 */
import { isIP } from 'node:net';
import {
  extractWorkspaceId,
  GLOBAL_HOSTS,
  normalizeHost,
  type RejectionReason,
  regionHandlerHost,
  workspaceHosts,
} from '@gatewatch/events';
import type { GatewayConfig } from './config.ts';

export const ALLOWED_PORT = 443;

export interface PolicyDecision {
  allowed: boolean;
  reason?: RejectionReason;
  message: string;
  /** Workspace id named by the target host, '' if none. */
  workspaceId: string;
}

export interface Policy {
  check(host: string, port: number): PolicyDecision;
}

/** Canonical form of an IP literal (so `::FFFF:127.0.0.1` and `::ffff:7f00:1` compare equal-ish by text). */
function canonicalIp(host: string): string {
  return host.toLowerCase();
}

export function createPolicy(config: Pick<GatewayConfig, 'allowedHosts' | 'workspaces' | 'regions'>): Policy {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  const ips = new Set<string>();
  for (const raw of config.allowedHosts) {
    const h = normalizeHost(raw);
    if (h.startsWith('*.'))
      suffixes.push(h.slice(1)); // keep the leading dot: `*.x.com` must not match `evilx.com`
    else if (isIP(h)) ips.add(canonicalIp(h));
    else exact.add(h);
  }
  for (const h of GLOBAL_HOSTS) exact.add(h);
  for (const r of config.regions) exact.add(regionHandlerHost(r));
  const workspaces = new Set(config.workspaces.map((w) => w.toLowerCase()));
  for (const w of workspaces) for (const h of workspaceHosts(w)) exact.add(h);

  const hostAllowed = (h: string): boolean => {
    if (isIP(h)) return ips.has(canonicalIp(h));
    if (exact.has(h)) return true;
    return suffixes.some((s) => h.endsWith(s) && h.length > s.length);
  };

  return {
    check(rawHost, port) {
      const host = normalizeHost(rawHost);
      const workspaceId = extractWorkspaceId(host);
      if (port !== ALLOWED_PORT) {
        return {
          allowed: false,
          reason: 'port_not_allowed',
          message: `Destination port ${port} is not allowed (only ${ALLOWED_PORT}): ${host}:${port}`,
          workspaceId,
        };
      }
      if (hostAllowed(host)) return { allowed: true, message: '', workspaceId };
      if (workspaceId && !workspaces.has(workspaceId)) {
        return {
          allowed: false,
          reason: 'workspace_not_configured',
          message: `Workspace ${workspaceId} is not configured on this gateway (host ${host}); add it with: npm run admin -- config set workspaces ${[...workspaces, workspaceId].join(',')}`,
          workspaceId,
        };
      }
      return {
        allowed: false,
        reason: 'host_not_allowed',
        message: `Destination ${host} is not in the allowed host list; allow it with: npm run admin -- allowed-host add ${host}`,
        workspaceId,
      };
    },
  };
}
