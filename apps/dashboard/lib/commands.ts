/**
 * Admin CLI commands the dashboard tells operators to run, matching the gateway's admin CLI
 * (`gatewatch admin`, apps/gateway/src/admin.ts; see the root README "Admin CLI"). Kept in one place so they follow its syntax.
 */
export const ADMIN_CLI = 'npm run admin --';

/**
 * `config set workspaces` replaces the whole list, so the command lists the workspaces already in use
 * (seen with verified tunnels) plus the missing one.
 */
export function configureWorkspaceCommand(workspaceId: string, configured: readonly string[]): string {
  const list = [...new Set([...configured.filter((w) => w && w !== workspaceId), workspaceId])];
  return `${ADMIN_CLI} config set workspaces ${list.join(',')}`;
}

export function showWorkspacesCommand(): string {
  return `${ADMIN_CLI} config get workspaces`;
}
