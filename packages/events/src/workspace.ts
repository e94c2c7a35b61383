/**
 * Workspace ids and the Azure endpoint host names that carry them.
 * A workspace id is a GUID; the endpoint hosts are `<id>.<suffix>` for the suffixes below.
 */
export const WORKSPACE_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Host suffixes whose first label is a workspace id (public cloud, US Government, China). */
export const WORKSPACE_HOST_SUFFIXES = [
  'ods.opinsights.azure.com',
  'oms.opinsights.azure.com',
  'agentsvc.azure-automation.net',
  'ods.opinsights.azure.us',
  'oms.opinsights.azure.us',
  'agentsvc.azure-automation.us',
  'ods.opinsights.azure.cn',
  'oms.opinsights.azure.cn',
  'agentsvc.azure-automation.cn',
] as const;

/** Hosts every agent needs whatever its workspace (the region handler is added per configured region). */
export const GLOBAL_HOSTS = ['global.handler.control.monitor.azure.com'] as const;

export const MAX_WORKSPACES = 10;

const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Lower-case a host name and drop one trailing dot; IPv6 brackets are removed. Only A–Z are folded (DNS names
 * compare case-insensitively in ASCII alone, RFC 4343): Unicode case rules would turn the Kelvin sign into `k`
 * or `İ` into two characters, making one name into another.
 */
export function normalizeHost(host: string): string {
  const t = host.trim();
  let h = NON_ASCII.test(t) ? t.replace(/[A-Z]+/g, (s) => s.toLowerCase()) : t.toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1); // first, so `[::1].` loses its brackets too
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  return h;
}

export function isWorkspaceId(value: string): boolean {
  return WORKSPACE_ID_PATTERN.test(value.toLowerCase());
}

/**
 * The workspace id named by an Azure endpoint host, or '' when the host names none.
 * Exact structure only: `<guid>.<known suffix>`; look-alikes such as `<guid>.ods.opinsights.azure.com.evil.example`
 * or `x<guid>.ods.opinsights.azure.com` yield ''.
 */
export function extractWorkspaceId(host: string): string {
  const h = normalizeHost(host);
  const dot = h.indexOf('.');
  if (dot <= 0) return '';
  const label = h.slice(0, dot);
  const suffix = h.slice(dot + 1);
  if (!(WORKSPACE_HOST_SUFFIXES as readonly string[]).includes(suffix)) return '';
  return WORKSPACE_ID_PATTERN.test(label) ? label : '';
}

/** True when the host has a workspace-endpoint shape (so a missing workspace is a configuration problem). */
export function isWorkspaceEndpoint(host: string): boolean {
  return extractWorkspaceId(host) !== '';
}

/** The endpoint hosts a configured workspace allows. */
export function workspaceHosts(workspaceId: string): string[] {
  const id = workspaceId.toLowerCase();
  return WORKSPACE_HOST_SUFFIXES.map((suffix) => `${id}.${suffix}`);
}

/** The region handler host agents use, e.g. `westeurope.handler.control.monitor.azure.com`. */
export function regionHandlerHost(region: string): string {
  return `${region.toLowerCase()}.handler.control.monitor.azure.com`;
}
