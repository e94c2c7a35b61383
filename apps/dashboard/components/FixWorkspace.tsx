import { useTranslations } from 'next-intl';
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

/**
 * The Event 105 page's callout for a workspace refused as not configured, with the command that adds it
 * to the config file the running gateways read (they report its path): one command when they agree, one
 * per file when they do not, and the flag to add for gateways that did not report one.
 */
export function FixWorkspace({ workspace, refused, configured, running, paths }: Props) {
  const t = useTranslations('fixWorkspace');
  const { groups, unknown } = byConfigPath(running, paths);
  const several = groups.length > 1 || (groups.length > 0 && unknown.length > 0);
  const named = (nodes: readonly string[]) => {
    const list = nodes.slice(0, MAX_NAMED).join(', ');
    return nodes.length > MAX_NAMED ? t('andMore', { nodes: list, count: nodes.length - MAX_NAMED }) : list;
  };
  const code = (chunks: React.ReactNode) => <code>{chunks}</code>;
  return (
    <div className="callout" role="status" data-testid="not-configured">
      <strong>{t.rich('title', { workspace, code })}</strong> {t('refused', { count: refused })}
      {several ? <p>{t('severalFiles')}</p> : null}
      {groups.map((g) => (
        <p key={g.configPath} data-testid="fix-group">
          {several ? <>{t.rich('nodesRead', { nodes: named(g.nodes), path: g.configPath, code })} </> : null}
          <code data-testid="fix-command">
            {configureWorkspaceCommand(workspace, configured, g.configPath)}
          </code>
        </p>
      ))}
      {unknown.length > 0 ? (
        <p data-testid="fix-group">
          {groups.length > 0 ? <>{t('unknownNodes', { nodes: named(unknown) })} </> : null}
          <code data-testid="fix-command">{configureWorkspaceCommand(workspace, configured)}</code>{' '}
          <span className="legend-note">
            {t.rich('addFlag', {
              flag: () => <code>--config &lt;file&gt;</code>,
              default: () => <code>data/gateway.yaml</code>,
              healthz: () => <code>/healthz</code>,
            })}
          </span>
        </p>
      ) : null}
      <p className="legend-note">
        {t.rich('keeps', {
          count: configured.length,
          cmd: () => (
            <code>{showWorkspacesCommand(groups.length === 1 ? groups[0]?.configPath : undefined)}</code>
          ),
        })}
      </p>
    </div>
  );
}
