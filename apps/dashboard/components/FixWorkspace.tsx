import { byConfigPath, configureWorkspaceCommand, showWorkspacesCommand } from '../lib/commands.ts';

interface Props {
  workspace: string;
  /** Connections refused as not configured for it. */
  refused: number;
  /** Workspaces with verified tunnels (kept: `config set` replaces the list). */
  configured: readonly string[];
  /** Nodes that reported in the last hour, and the config files they reported. */
  running: readonly string[];
  paths: readonly { nodeId: string; configPath: string }[];
}

const MAX_NAMED = 5;
const named = (nodes: readonly string[]) =>
  `${nodes.slice(0, MAX_NAMED).join(', ')}${nodes.length > MAX_NAMED ? ` and ${nodes.length - MAX_NAMED} more` : ''}`;

/**
 * The Event 105 page's callout for a workspace refused as not configured, with the command that adds it
 * to the config file the running gateways read (they report its path): one command when they agree, one
 * per file when they do not, and the flag to add for gateways that did not report one.
 */
export function FixWorkspace({ workspace, refused, configured, running, paths }: Props) {
  const { groups, unknown } = byConfigPath(running, paths);
  const several = groups.length > 1 || (groups.length > 0 && unknown.length > 0);
  const showPath = groups.length === 1 ? groups[0]?.configPath : undefined;
  return (
    <div className="callout" role="status" data-testid="not-configured">
      <strong>
        Workspace <code>{workspace}</code> is not configured on the gateways
      </strong>{' '}
      — {refused.toLocaleString('en-US')} connections refused for it. Its agents reach the gateway but their
      workspace hosts are not allowed. Fix: add the workspace on every gateway
      {several ? ' (the gateways read different config files: run each command where those nodes run)' : ''}:
      {groups.map((g) => (
        <p key={g.configPath} data-testid="fix-group">
          {several ? (
            <>
              {named(g.nodes)} read <code>{g.configPath}</code>:{' '}
            </>
          ) : null}
          <code data-testid="fix-command">
            {configureWorkspaceCommand(workspace, configured, g.configPath)}
          </code>
        </p>
      ))}
      {unknown.length > 0 ? (
        <p data-testid="fix-group">
          {groups.length > 0 ? `${named(unknown)} did not report their config file: ` : null}
          <code data-testid="fix-command">{configureWorkspaceCommand(workspace, configured)}</code>{' '}
          <span className="legend-note">
            add <code>--config &lt;file&gt;</code> with the file {groups.length > 0 ? 'they' : 'the gateways'}{' '}
            were started with (without it the command edits <code>data/gateway.yaml</code>; a gateway's{' '}
            <code>/healthz</code> names its file)
          </span>
        </p>
      ) : null}
      <p className="legend-note">
        The list replaces the configured one: it keeps the {configured.length} workspace
        {configured.length === 1 ? '' : 's'} with verified tunnels in this range (check with{' '}
        <code>{showWorkspacesCommand(showPath)}</code>; at most 10). Gateways apply it without a restart.
      </p>
    </div>
  );
}
