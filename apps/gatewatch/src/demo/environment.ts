import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_RULES_YAML } from '@gatewatch/alerting';
import { workspaceHosts } from '@gatewatch/events';
import { createCertificateAuthority, startTlsEndpoint, type TlsEndpoint } from '@gatewatch/simulator';
import { parseDocument, stringify, type YAMLMap, type YAMLSeq } from 'yaml';

/** Workspaces of the demo: two served by the gateway, two that are not (the classic 105 misconfiguration). */
export const DEMO_WORKSPACES = {
  contoso: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b',
  fabrikam: '0b2c4a1e-5d6f-4a7b-8c9d-0e1f2a3b4c5d',
  /** Agents of a team whose workspace nobody added to the gateways. */
  unconfigured: 'a1b2c3d4-e5f6-4a07-8b18-c29d3e4f5a6b',
  /** A new agent fleet that appears mid-demo and fires the rejection-spike alert. */
  newFleet: 'deadbeef-0000-4000-8000-00000000f1ee',
} as const;

export const DEMO_REGION = 'westeurope';

export interface DemoEnvironment {
  ca: string;
  endpoint: TlsEndpoint;
  /** The demo gateway config file (rewritten on every demo start: the endpoint's port changes). */
  configFile: string;
  /** The demo's alert rules (written once; the Alerts page edits it). */
  rulesFile: string;
  close(): Promise<void>;
}

/**
 * A stand-in for Azure: one local TLS endpoint whose certificate covers the Azure host names, and a gateway
 * config whose explicit `resolve` map sends exactly those names to it (the SSRF guard stays on).
 */
export async function startDemoEnvironment(
  dir: string,
  listenPort: number,
  adminPort: number,
): Promise<DemoEnvironment> {
  const ca = await createCertificateAuthority('Gatewatch Demo CA');
  const leaf = await ca.issue({
    subject: '/CN=demo.opinsights.azure.com',
    names: [
      '*.ods.opinsights.azure.com',
      '*.oms.opinsights.azure.com',
      '*.agentsvc.azure-automation.net',
      '*.handler.control.monitor.azure.com',
    ],
  });
  const endpoint = await startTlsEndpoint(leaf);
  const demoHosts = [
    ...Object.values(DEMO_WORKSPACES).flatMap((id) => workspaceHosts(id).slice(0, 3)),
    'global.handler.control.monitor.azure.com',
    `${DEMO_REGION}.handler.control.monitor.azure.com`,
  ];
  const config = {
    nodeId: 'demo-gw-1',
    listenHost: '127.0.0.1',
    listenPort,
    adminPort,
    workspaces: [DEMO_WORKSPACES.contoso, DEMO_WORKSPACES.fabrikam],
    regions: [DEMO_REGION],
    allowedHosts: ['global.handler.control.monitor.azure.com'],
    minTlsVersion: 'TLS1.2',
    resolve: Object.fromEntries(demoHosts.map((h) => [`${h}:443`, endpoint.address])),
    counterIntervalMs: 10_000,
  };
  await mkdir(dir, { recursive: true });
  const configFile = join(dir, 'gateway.yaml');
  await writeFile(
    configFile,
    `# Written by \`npm start -- --demo\` on every start; edit it live with \`npm run admin -- --config ${configFile} …\`.\n${stringify(config)}`,
  );
  const rulesFile = join(dir, 'rules.yaml');
  if (!existsSync(rulesFile)) await writeFile(rulesFile, demoRules());
  return { ca: ca.cert, endpoint, configFile, rulesFile, close: () => endpoint.close() };
}

/**
 * The shipped rules with a shorter AgentStoppedReporting, so a fresh demo shows it within minutes: agents
 * count as regular after one hour with an upload (not six), and stopped after 5 minutes (not 15).
 */
export function demoRules(): string {
  const doc = parseDocument(DEFAULT_RULES_YAML);
  for (const rule of (doc.get('rules') as YAMLSeq<YAMLMap>).items) {
    if (rule.get('name') !== 'AgentStoppedReporting') continue;
    rule.setIn(['agents', 'history'], '1h');
    rule.setIn(['condition', 'threshold', 'value'], 300);
  }
  doc.commentBefore = ` Written by \`npm start -- --demo\` once (delete it to get the current defaults): the shipped rules,\n with AgentStoppedReporting shortened for the demo (history 1h, 5 minutes of silence).\n${doc.commentBefore ?? ''}`;
  return doc.toString({ lineWidth: 0 });
}
