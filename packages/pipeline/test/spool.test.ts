import assert from 'node:assert/strict';
import { appendFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Spool, type SpooledMessage } from '../src/index.ts';
import { tempDir } from './support/helpers.ts';

const msg = (i: number, size = 10): SpooledMessage => ({
  topic: i % 2 ? 'a' : 'b',
  key: `k${i}`,
  headers: { n: String(i) },
  value: Buffer.alloc(size, i % 256),
});

test('spool: append across segments, read in order, commit, reopen after a restart', async () => {
  const tmp = await tempDir('spool');
  try {
    const spool = new Spool(tmp.dir, { segmentBytes: 500 });
    await spool.open();
    assert.equal(await spool.append(Array.from({ length: 50 }, (_, i) => msg(i))), 50);
    assert.equal(spool.count, 50);
    assert.ok((await readdir(tmp.dir)).filter((f) => f.endsWith('.log')).length > 2, 'rolled segments');
    const r1 = await spool.read(7);
    assert.deepEqual(
      r1?.messages.map((m) => m.message.headers.n),
      ['0', '1', '2', '3', '4', '5', '6'],
    );
    await r1?.commit(r1.messages[4]?.end as number); // delivered 0..4
    assert.equal(spool.count, 45);
    await spool.close();

    // A new process picks up where the last one stopped, including a torn frame at the end.
    const last = (await readdir(tmp.dir))
      .filter((f) => f.endsWith('.log'))
      .sort()
      .pop() as string;
    await appendFile(join(tmp.dir, last), Buffer.from([0, 0, 0, 99, 1, 2]));
    const again = new Spool(tmp.dir, { segmentBytes: 500 });
    await again.open();
    assert.equal(again.count, 45);
    const seen: string[] = [];
    for (;;) {
      const r = await again.read(6);
      if (!r) break;
      seen.push(...r.messages.map((m) => m.message.headers.n as string));
      if (r.messages.length) await r.commit(r.messages[r.messages.length - 1]?.end as number);
    }
    assert.deepEqual(
      seen,
      Array.from({ length: 45 }, (_, i) => String(i + 5)),
    );
    assert.equal(again.count, 0);
    assert.equal(again.bytes, 0);
    assert.deepEqual(
      (await readdir(tmp.dir)).filter((f) => f.endsWith('.log')),
      [],
    );
  } finally {
    await tmp.remove();
  }
});

test('spool: bounded size; what does not fit is reported back', async () => {
  const tmp = await tempDir('spool-full');
  try {
    const spool = new Spool(tmp.dir, { maxBytes: 1000 });
    await spool.open();
    const fitted = await spool.append(Array.from({ length: 100 }, (_, i) => msg(i, 50)));
    assert.ok(fitted > 0 && fitted < 100, `fitted ${fitted}`);
    assert.ok(spool.bytes <= 1000);
    assert.equal(await spool.append([msg(1, 2000)]), 0);
  } finally {
    await tmp.remove();
  }
});
