/** Per-tunnel usage records against what the agents themselves sent and received, on both data paths. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { parseUsageRecord, type UsageRecord } from '@gatewatch/events';
import { createNode } from '../src/cluster.ts';
import { parseConfig } from '../src/config.ts';
import {
  agentUpload,
  Cleanup,
  closed,
  type Pki,
  rawConnect,
  startGateway,
  startWorkspaceTarget,
  type TestGateway,
  tempDir,
  WS,
  WS_HOST,
  waitFor,
} from './helpers.ts';

const sum = (rs: UsageRecord[], f: 'bytesUp' | 'bytesDown' | 'durationMs') =>
  rs.reduce((a, r) => a + r[f], 0);

for (const zeroCopy of [true, false])
  describe(`usage records (${zeroCopy ? 'zero-copy' : 'streams'})`, () => {
    const cleanup = new Cleanup();
    after(() => cleanup.run());
    let pki: Pki;
    let gw: TestGateway;

    before(async () => {
      const ws = await startWorkspaceTarget(cleanup);
      pki = ws.pki;
      // Sweeps are called by the tests (sweepUsage), so no timer sweep lands between two steps.
      gw = await startGateway(cleanup, {
        workspaces: [WS],
        resolve: ws.resolve,
        counterIntervalMs: 3_600_000,
        zeroCopy,
      });
    });
    const of = (address: string) => gw.usage.filter((u) => u.clientAddress === address);

    it('each tunnel opens and closes once and its records add up to exactly what its agent sent and got', async () => {
      const sizes = [1, 10_000, 200_000, 65_536];
      const truth = new Map<string, { up: number; down: number }>();
      for (const [i, size] of sizes.entries()) {
        const address = `127.0.0.${10 + i}`;
        const r = await agentUpload(gw.info.port, WS_HOST, pki.caCert, size, address);
        assert.equal(r.status, 200);
        truth.set(address, { up: r.tunnelUp, down: r.tunnelDown });
      }
      // A refused connection carries no bytes and has no usage record.
      (await rawConnect(gw.info.port, 'denied.example:443', { localAddress: '127.0.0.9' })).socket.destroy();
      await waitFor(() => gw.usage.filter((u) => u.closed).length === sizes.length, 5000, 'close records');

      for (const [address, t] of truth) {
        const rs = of(address);
        for (const r of rs) parseUsageRecord(r);
        assert.equal(sum(rs, 'bytesUp'), t.up, `${address} bytes up`);
        assert.equal(sum(rs, 'bytesDown'), t.down, `${address} bytes down`);
        assert.equal(rs.filter((r) => r.opened).length, 1);
        assert.equal(rs.filter((r) => r.closed).length, 1);
        assert.ok(rs[0]?.opened && rs[rs.length - 1]?.closed, 'opened first, closed last');
        assert.ok(rs.every((r) => r.workspaceId === WS && r.targetHost === WS_HOST));
        assert.ok(rs.every((r) => r.nodeId === 'test-node' && r.clientSubject === ''));
      }
      assert.deepEqual(of('127.0.0.9'), []);
      const c = gw.gateway.counters();
      assert.equal(sum(gw.usage, 'bytesUp'), c.bytesUp, "the gateway's own bytes-up counter");
      assert.equal(sum(gw.usage, 'bytesDown'), c.bytesDown);
    });

    it('a long-lived tunnel shows the bytes of each interval it moved any, and nothing for a silent one', async () => {
      const address = '127.0.0.30';
      const { status, socket, rest } = await rawConnect(gw.info.port, `${WS_HOST}:443`, {
        localAddress: address,
      });
      assert.equal(status, 200);
      const headWritten = socket.bytesWritten;
      const headRead = socket.bytesRead - rest.length;
      const sent = () => ({ up: socket.bytesWritten - headWritten, down: socket.bytesRead - headRead });
      const tls = tlsConnect({ socket, servername: WS_HOST, ca: readFileSync(pki.caCert) });
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      (agent as unknown as { createConnection: () => unknown }).createConnection = () => tls;
      const post = (size: number) =>
        new Promise<number>((resolve, reject) => {
          const req = httpsRequest(
            { host: WS_HOST, path: '/upload', method: 'POST', agent, headers: { 'content-length': size } },
            (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0)),
          );
          req.on('error', reject);
          req.end(Buffer.alloc(size, 0x62));
        });
      /** Sweep until the records hold everything the agent sent and received so far. */
      const settled = () =>
        waitFor(
          () => {
            gw.gateway.sweepUsage();
            const s = sent();
            return sum(of(address), 'bytesUp') === s.up && sum(of(address), 'bytesDown') === s.down;
          },
          5000,
          `the tunnel's bytes (agent ${JSON.stringify(sent())})`,
        );

      const intervals = [30_000, 5_000, 120_000];
      for (const size of intervals) {
        assert.equal(await post(size), 200);
        await settled();
        const before = of(address).length;
        gw.gateway.sweepUsage(); // nothing moved since the last sweep: no record
        assert.equal(of(address).length, before, 'a silent interval writes no record');
      }
      const open = of(address);
      assert.equal(open.filter((r) => r.closed).length, 0, 'still open');
      assert.ok(open[0]?.opened);
      assert.ok(open.length >= intervals.length, `${open.length} records for ${intervals.length} intervals`);
      // Every interval with an upload holds at least that upload's body.
      let i = 0;
      for (const size of intervals) {
        while (i < open.length && (open[i]?.bytesUp ?? 0) < size) i++;
        assert.ok(i < open.length, `an interval with the ${size}-byte upload`);
        i++;
      }
      for (let j = 1; j < open.length; j++) {
        const [a, b] = [open[j - 1] as UsageRecord, open[j] as UsageRecord];
        assert.equal(b.durationMs, b.ts - a.ts, 'an interval runs from the previous record');
      }

      tls.end();
      await closed(socket);
      agent.destroy();
      const last = await waitFor(() => of(address).find((r) => r.closed), 5000, 'the close record');
      assert.ok(!last.opened);
      assert.deepEqual({ up: sum(of(address), 'bytesUp'), down: sum(of(address), 'bytesDown') }, sent());
    });
  });

describe('usage records of a multi-core node (workers: 2)', () => {
  const cleanup = new Cleanup();
  after(() => cleanup.run());

  it("reach the primary's sink from the workers and add up to what the agents sent", async () => {
    const { pki, resolve } = await startWorkspaceTarget(cleanup);
    const usage: UsageRecord[] = [];
    const config = parseConfig({
      nodeId: 'multi',
      listenHost: '127.0.0.1',
      listenPort: 1,
      adminPort: 0,
      workers: 2,
      workspaces: [WS],
      resolve,
      counterIntervalMs: 3_600_000,
    });
    const node = createNode(
      { ...config, listenPort: 0 },
      {
        logFile: `${tempDir(cleanup)}/events.jsonl`,
        sink: { event: () => {}, counters: () => {}, usage: (u) => usage.push(u) },
      },
    );
    const { port } = await node.start();
    cleanup.after(() => node.stop(500));
    // Connections are dealt to the workers round-robin: six tunnels land on both.
    const truth = new Map<string, number>();
    for (let i = 0; i < 6; i++) {
      const address = `127.0.0.${40 + i}`;
      truth.set(address, (await agentUpload(port, WS_HOST, pki.caCert, 20_000 + i, address)).tunnelUp);
    }
    await waitFor(() => usage.filter((u) => u.closed).length === truth.size, 5000, 'close records');
    for (const [address, up] of truth) {
      const rs = usage.filter((u) => u.clientAddress === address);
      assert.equal(sum(rs, 'bytesUp'), up, address);
      assert.ok(rs.every((r) => r.nodeId === 'multi'));
    }
  });
});
