/**
 * Usage records for the browser tests of the Workspaces and Agents pages: 14 agents over the last 22 hours
 * (a record every 5 minutes each; inside a 24 h view even counted in whole hours) and, at half the bytes,
 * 26–30 hours ago (the previous period of a 24 h view); one agent with a client certificate, one at the
 * address of the seed's refused client (so its row shows a last refusal). Returns what the tests check.
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
  /** The same in the previous period of a 24 h view. */
  previousBytesUpByWorkspace: Record<string, number>;
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
  const previous: UsageRecord[] = [];
  agents.forEach((a, i) => {
    const workspaceId = p.workspaces[i % p.workspaces.length] as string;
    for (let k = 0; k < 22 * 12; k++) {
      records.push(
        parseUsageRecord({
          recordId: randomUUID(),
          ts: p.end - 22 * 3_600_000 + k * 300_000 + i * 1000 + 1000,
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
  for (const r of records.filter((r) => r.ts < p.end - 18 * 3_600_000)) {
    previous.push({ ...r, recordId: randomUUID(), ts: r.ts - 8 * 3_600_000, bytesUp: r.bytesUp / 2 });
  }
  await insertUsage(store, [...records, ...previous]);
  const byWorkspace = (rs: UsageRecord[]) => {
    const out: Record<string, number> = {};
    for (const r of rs) out[r.workspaceId] = (out[r.workspaceId] ?? 0) + r.bytesUp;
    return out;
  };
  const bytesUpByWorkspace: Record<string, number> = {};
  for (const r of records)
    bytesUpByWorkspace[r.workspaceId] = (bytesUpByWorkspace[r.workspaceId] ?? 0) + r.bytesUp;
  return {
    agents: agents.map((a) => a.subject || a.address).sort(),
    mtlsAgent,
    refusedAgent: p.refusedClient,
    totalBytesUp: records.reduce((s, r) => s + r.bytesUp, 0),
    bytesUpByWorkspace: byWorkspace(records),
    previousBytesUpByWorkspace: byWorkspace(previous),
  };
}
