/**
 * Admin CLI commands the dashboard tells operators to run. Kept in one place so they follow the gateway's
 * admin CLI (apps/gateway) if its syntax changes.
 */
export const ADMIN_CLI = 'gatewatch admin';

/** Configure a workspace on the gateways (the list is replaced: keep the ones already configured). */
export function configureWorkspaceCommand(workspaceId: string): string {
  return `${ADMIN_CLI} config set workspaces <already configured ids>,${workspaceId}`;
}

export function showConfigCommand(): string {
  return `${ADMIN_CLI} config get`;
}

export function allowHostCommand(host: string): string {
  return `${ADMIN_CLI} allowed-host add ${host}`;
}
