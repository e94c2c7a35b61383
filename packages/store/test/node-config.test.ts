/** nodeConfigPaths: each node's config file from its newest counter sample (migration 008's column). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type CounterSample, parseCounterSample } from '@gatewatch/events';
import { insertCounters, nodeConfigPaths, type Store } from '../src/index.ts';
import { tempStore } from './support/helpers.ts';

let store: Store;
let done: () => Promise<void>;
before(async () => {
  ({ store, done } = await tempStore());
});
after(async () => done());

const sample = (nodeId: string, ts: number, configPath?: string): CounterSample =>
  parseCounterSample({
    nodeId,
    ts,
    startedAt: ts - 60_000,
    activeClientConnections: 0,
    connectedClients: 0,
    errorCount: 0,
    rejectionCount: 0,
    bytesUp: 0,
    bytesDown: 0,
    ...(configPath !== undefined && { configPath }),
  });

test("each node's newest config path; nodes whose newest sample has none are left out", async () => {
  const now = Date.now();
  await insertCounters(store, [
    sample('gw-a', now - 20_000, '/etc/gatewatch/old.yaml'),
    sample('gw-a', now - 10_000, '/srv/demo/gateway.yaml'),
    sample('gw-b', now - 10_000, '/data/gateway.yaml'),
    sample('gw-c', now - 20_000, '/etc/gatewatch/c.yaml'),
    sample('gw-c', now - 10_000), // an older gateway version: no path
    sample('gw-d', now - 7_200_000, '/long/ago.yaml'), // outside the default hour
  ]);
  const paths = await nodeConfigPaths(store);
  assert.deepEqual(
    paths.map((p) => [p.nodeId, p.configPath, p.reportedAt]),
    [
      ['gw-a', '/srv/demo/gateway.yaml', now - 10_000],
      ['gw-b', '/data/gateway.yaml', now - 10_000],
    ],
  );
  assert.deepEqual(
    (await nodeConfigPaths(store, { nodeId: 'gw-d', fromMs: now - 86_400_000 })).map((p) => p.configPath),
    ['/long/ago.yaml'],
  );
});
