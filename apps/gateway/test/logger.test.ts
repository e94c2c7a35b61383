/**
 * The event log writes its JSON lines in batches: every line still arrives, in order, soon after it was
 * logged, on flush() and when the process exits right after logging.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../src/telemetry.ts';
import { tempDir } from './helpers.ts';

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { i: number; msg: string });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('event log batching', () => {
  it('writes every line in order on flush, and a lone line within a moment without one', async (t) => {
    const file = join(tempDir(t, 'gw-log-'), 'events.jsonl');
    const log = createLogger('info', undefined, file);
    log.info({ i: -1 }, 'alone');
    // Far below the 8 KiB batch: the linger timer (100 ms) writes it, with no flush() and no further line.
    const deadline = Date.now() + 5000;
    while (!existsSync(file) || lines(file).length === 0) {
      assert.ok(Date.now() < deadline, 'the lone line was not written within 5 s');
      await sleep(50);
    }
    assert.deepEqual(
      lines(file).map((l) => l.i),
      [-1],
    );
    for (let i = 0; i < 5000; i++) log.info({ i }, 'tunnel');
    await new Promise<void>((resolve) => log.flush(() => resolve()));
    assert.deepEqual(
      lines(file).map((l) => l.i),
      [-1, ...Array.from({ length: 5000 }, (_, i) => i)],
    );
  });

  const runChild = (exit: string) => {
    const telemetry = fileURLToPath(new URL('../src/telemetry.ts', import.meta.url));
    const script = `import { createLogger } from ${JSON.stringify(telemetry)};
const log = createLogger('info');
for (let i = 0; i < 300; i++) log.info({ i }, 'tunnel');
${exit}`;
    const out = execFileSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    return out
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { i: number }).i);
  };
  const all = Array.from({ length: 300 }, (_, i) => i);

  it('writes every line in order when the process flushes and exits (as the gateway stops)', () => {
    assert.deepEqual(runChild('log.flush(() => process.exit(0));'), all);
  });

  it('loses no line when the process exits right after logging', () => {
    // pino's exit hook writes the buffered tail synchronously; a batch still in flight may land after it.
    assert.deepEqual(
      runChild('process.exit(0);').sort((a, b) => a - b),
      all,
    );
  });
});
