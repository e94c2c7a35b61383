/**
 * Admin CLI commands the dashboard tells operators to run, matching the gateway's admin CLI
 * (apps/gateway/src/admin.ts; see apps/gateway/README.md). Kept in one place so they follow its syntax.
 */
export const ADMIN_CLI = 'npm run admin -w @gatewatch/gateway --';

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
