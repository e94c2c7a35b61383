/**
 * Admin CLI commands the dashboard tells operators to run, matching the gateway's admin CLI
 * (`gatewatch admin`, apps/gateway/src/admin.ts; see the root README "Admin CLI"). Kept in one place so they follow its syntax.
 */
export const ADMIN_CLI = 'npm run admin --';

/** A path as one shell word (single-quoted when it holds anything but plain path characters). */
export function shellWord(s: string): string {
  return /^[\w./:@%+=,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

const cli = (configPath?: string) =>
  configPath ? `${ADMIN_CLI} --config ${shellWord(configPath)}` : ADMIN_CLI;

/**
 * `config set workspaces` replaces the whole list, so the command lists the workspaces already in use
 * (seen with verified tunnels) plus the missing one. `configPath`: the file the gateways read (as they
 * report it); without it the CLI edits its default file, which may not be theirs.
 */
export function configureWorkspaceCommand(
  workspaceId: string,
  configured: readonly string[],
  configPath?: string,
): string {
  const list = [...new Set([...configured.filter((w) => w && w !== workspaceId), workspaceId])];
  return `${cli(configPath)} config set workspaces ${list.join(',')}`;
}

export function showWorkspacesCommand(configPath?: string): string {
  return `${cli(configPath)} config get workspaces`;
}

/** Nodes grouped by the config file they report; `unknown` = running nodes that reported none. */
export function byConfigPath(
  running: readonly string[],
  paths: readonly { nodeId: string; configPath: string }[],
): { groups: { configPath: string; nodes: string[] }[]; unknown: string[] } {
  const of = new Map(paths.map((p) => [p.nodeId, p.configPath]));
  const groups = new Map<string, string[]>();
  const unknown: string[] = [];
  for (const node of [...running].sort()) {
    const path = of.get(node);
    if (!path) unknown.push(node);
    else groups.set(path, [...(groups.get(path) ?? []), node]);
  }
  return { groups: [...groups].map(([configPath, nodes]) => ({ configPath, nodes })), unknown };
}
