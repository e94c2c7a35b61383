import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { parseUsageRecord, type UsageRecord } from '@gatewatch/events';
import { insertUsage, type Store } from '../src/index.ts';
import { rows, tempStore } from './support/helpers.ts';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const WS_A = '0b2c4a1e-5d6f-4a7b-8c9d-0e1f2a3b4c5d';
const WS_B = '1c3d5b2f-6e7a-4b8c-9d0e-1f2a3b4c5d6e';

const usage = (over: Partial<UsageRecord>): UsageRecord =>
  parseUsageRecord({
    recordId: randomUUID(),
    ts: T0,
    nodeId: 'gw-1',
    workspaceId: WS_A,
    clientAddress: '10.0.0.1',
    targetHost: `${WS_A}.ods.opinsights.azure.com`,
    bytesUp: 0,
    bytesDown: 0,
    durationMs: 10_000,
    ...over,
  });

describe('usage tables', () => {
  let store: Store;
  let done: () => Promise<void>;
  before(async () => {
    ({ store, done } = await tempStore());
  });
  after(async () => done());

  test('rollups per (minute, workspace, node) and per (hour, agent); a replayed batch counts once', async () => {
    const records = [
      // agent 10.0.0.1: a tunnel opened on gw-1 (workspace A), two intervals with bytes, then one silent
      usage({ ts: T0 + 5_000, durationMs: 5_000, bytesUp: 1000, bytesDown: 50, opened: true }),
      usage({ ts: T0 + 15_000, bytesUp: 2000, bytesDown: 60 }),
      usage({ ts: T0 + 25_000, bytesUp: 0, bytesDown: 70 }),
      // then on gw-2 for workspace B, an hour later
      usage({
        ts: T0 + 3_600_000 + 5_000,
        nodeId: 'gw-2',
        workspaceId: WS_B,
        bytesUp: 400,
        opened: true,
        closed: true,
        durationMs: 3_000,
      }),
      // an mTLS agent is known by its certificate subject, whatever its address
      usage({ ts: T0 + 15_000, clientAddress: '10.0.0.9', clientSubject: 'CN=agent07', bytesUp: 7 }),
      usage({ ts: T0 + 75_000, clientAddress: '10.0.0.8', clientSubject: 'CN=agent07', bytesUp: 8 }),
    ];
    await insertUsage(store, records, { dedupToken: 'usage/0/0-5' });
    await insertUsage(store, records, { dedupToken: 'usage/0/0-5' }); // a replay after a crash

    const minutes = await rows<Record<string, string | number>>(
      store,
      `SELECT toUnixTimestamp(minute) * 1000 AS m, workspaceId, nodeId, sum(bytesUp) AS up, sum(bytesDown) AS down,
         sum(tunnelsOpened) AS opened, sum(tunnelsClosed) AS closed, sum(uploads) AS uploads,
         sum(durationMs) AS ms, uniqCombinedMerge(12)(agents) AS agents
       FROM gateway_usage_1m GROUP BY minute, workspaceId, nodeId ORDER BY minute, nodeId`,
    );
    assert.deepEqual(
      minutes.map((r) => Object.values(r).map(String)),
      [
        [T0, WS_A, 'gw-1', 3007, 180, 1, 0, 3, 35_000, 2],
        [T0 + 60_000, WS_A, 'gw-1', 8, 0, 0, 0, 1, 10_000, 1],
        [T0 + 3_600_000, WS_B, 'gw-2', 400, 0, 1, 1, 1, 3_000, 1],
      ].map((r) => r.map(String)),
    );
    const hours = await rows<Record<string, string | number>>(
      store,
      `SELECT workspaceId, sum(bytesUp) AS up FROM gateway_usage_1h GROUP BY workspaceId ORDER BY workspaceId`,
    );
    assert.deepEqual(hours, [
      { workspaceId: WS_A, up: '3015' },
      { workspaceId: WS_B, up: '400' },
    ]);

    const agents = await rows<Record<string, unknown>>(
      store,
      `SELECT agent, max(clientSubject) AS subject, argMaxMerge(clientAddress) AS address,
         arraySort(groupUniqArrayMerge(workspaces)) AS ws, arraySort(groupUniqArrayMerge(nodes)) AS nodes,
         toUnixTimestamp64Milli(min(firstSeen)) AS first, toUnixTimestamp64Milli(max(lastSeen)) AS last,
         toUnixTimestamp64Milli(max(lastActive)) AS active, argMaxMerge(lastNode) AS node,
         argMaxMerge(lastWorkspace) AS workspace, sum(bytesUp) AS up, sum(tunnelsOpened) AS opened,
         sum(uploads) AS uploads
       FROM gateway_usage_clients_1h GROUP BY agent ORDER BY agent`,
    );
    assert.deepEqual(agents, [
      {
        agent: '10.0.0.1',
        subject: '',
        address: '10.0.0.1',
        ws: [WS_A, WS_B],
        nodes: ['gw-1', 'gw-2'],
        first: String(T0),
        last: String(T0 + 3_605_000),
        active: String(T0 + 3_605_000),
        node: 'gw-2',
        workspace: WS_B,
        up: '3400',
        opened: '2',
        uploads: '3',
      },
      {
        agent: 'CN=agent07',
        subject: 'CN=agent07',
        address: '10.0.0.8',
        ws: [WS_A],
        nodes: ['gw-1'],
        first: String(T0 + 5_000),
        last: String(T0 + 75_000),
        active: String(T0 + 75_000),
        node: 'gw-1',
        workspace: WS_A,
        up: '15',
        opened: '0',
        uploads: '2',
      },
    ]);
  });
});
