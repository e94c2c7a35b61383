/**
 * Usage records for the browser tests of the Workspaces and Agents pages: 14 agents over the last 6 hours
 * (a record every 5 minutes each), one with a client certificate, one at the address of the seed's refused
 * client (so its row shows a last refusal). Returns what the tests check against.
 */
import { randomUUID } from 'node:crypto';
import { parseUsageRecord, type UsageRecord } from '@gatewatch/events';
import { insertUsage, type Store } from '@gatewatch/store';

export interface UsageSeed {
  agents: string[];
  mtlsAgent: string;
  refusedAgent: string;
  totalBytesUp: number;
  bytesUpByWorkspace: Record<string, number>;
}

export async function seedUsage(
  store: Store,
  p: { end: number; nodeIds: string[]; workspaces: string[]; refusedClient: string },
): Promise<UsageSeed> {
  const mtlsAgent = 'C=DE, O=Contoso, CN=e2e-agent-mtls';
  const agents = [
    ...Array.from({ length: 12 }, (_, i) => ({ address: `10.9.0.${i + 1}`, subject: '' })),
    { address: '10.9.1.1', subject: mtlsAgent },
    { address: p.refusedClient, subject: '' },
  ];
  const records: UsageRecord[] = [];
  agents.forEach((a, i) => {
    const workspaceId = p.workspaces[i % p.workspaces.length] as string;
    for (let k = 0; k < 72; k++) {
      records.push(
        parseUsageRecord({
          recordId: randomUUID(),
          ts: p.end - 6 * 3_600_000 + k * 300_000 + i * 1000 + 1000,
          nodeId: p.nodeIds[i % p.nodeIds.length],
          workspaceId,
          clientAddress: a.address,
          clientSubject: a.subject,
          targetHost: `${workspaceId}.ods.opinsights.azure.com`,
          bytesUp: 1000 * (i + 1) * ((k % 5) + 1),
          bytesDown: 100 * (k % 3),
          durationMs: 10_000,
          opened: k % 12 === 0,
          closed: k % 12 === 11,
        }),
      );
    }
  });
  await insertUsage(store, records);
  const bytesUpByWorkspace: Record<string, number> = {};
  for (const r of records)
    bytesUpByWorkspace[r.workspaceId] = (bytesUpByWorkspace[r.workspaceId] ?? 0) + r.bytesUp;
  return {
    agents: agents.map((a) => a.subject || a.address).sort(),
    mtlsAgent,
    refusedAgent: p.refusedClient,
    totalBytesUp: records.reduce((s, r) => s + r.bytesUp, 0),
    bytesUpByWorkspace,
  };
}
