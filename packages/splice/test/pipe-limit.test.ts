/** The per-process pipe limit: past it, directions wait for a pipe; nothing fails and no byte is lost. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';

// The limit is read when the module loads: set it before the first import of it.
process.env.GATEWATCH_SPLICE_MAX_PIPES = '2';
const { collect, open, send, sha } = await import('./relay.ts');
const { spliceStats } = await import('../src/index.ts');

describe('at the pipe limit', { skip: process.platform !== 'linux' && 'splice(2) is Linux-only' }, () => {
  it('30 tunnels whose readers stall hold 2 pipes; the others wait, then every byte arrives', async () => {
    const pairs = await Promise.all(Array.from({ length: 30 }, () => open()));
    // Stalled readers: the first two directions fill their pipes and keep them; the rest find none left.
    for (const p of pairs) p.target.pause();
    const data = pairs.map(() => randomBytes(6_000_000 + Math.floor(Math.random() * 1_000_000)));
    const received = pairs.map((p) => collect(p.target));
    const sent = pairs.map((p, i) => send(p.client, data[i] ?? Buffer.alloc(0)));
    await new Promise((r) => setTimeout(r, 300));
    for (const p of pairs) p.target.resume();
    await Promise.all(sent);
    for (const [i, p] of pairs.entries()) {
      assert.equal(sha(await (received[i] as Promise<Buffer>)), sha(data[i] ?? Buffer.alloc(0)));
      p.target.end();
      const { end, bytes } = await p.ended;
      assert.equal(end.reason, 'closed');
      assert.deepEqual(bytes, { up: data[i]?.length, down: 0 });
      p.client.destroy();
      p.target.destroy();
    }
    const stats = spliceStats();
    assert.ok(stats.pipeWaits > 0, 'directions waited for a pipe');
    assert.equal(stats.pipesInUse, 0, 'every pipe came back');
    assert.ok(stats.pipesPooled <= 2, `${stats.pipesPooled} pooled, never more than the limit`);
  });

  it('out of descriptors with no pipe out to come back: the tunnel ends with EMFILE instead of hanging', () => {
    const out = execFileSync(
      'bash',
      [
        '-c',
        'ulimit -n 256 && exec "$0" --conditions=gatewatch-source --import tsx test/emfile-child.ts',
        process.execPath,
      ],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
    assert.deepEqual(result.end, { reason: 'error', code: 'EMFILE' });
    assert.equal(result.destroyed, true);
    assert.ok(result.filled > 0, 'descriptors were exhausted on purpose');
  });

  it('an invalid limit turns splicing off with the reason, not a crash', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--conditions=gatewatch-source',
        '--import',
        'tsx',
        '-e',
        "import('./src/index.ts').then((m) => console.log(m.spliceUnavailable()))",
      ],
      { env: { ...process.env, GATEWATCH_SPLICE_MAX_PIPES: 'lots' }, encoding: 'utf8' },
    );
    assert.match(out, /GATEWATCH_SPLICE_MAX_PIPES=lots is not a whole number of pipes/);
  });
});
