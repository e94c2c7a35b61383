import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkMigrations, openStore, StoreError, storeOptionsFromEnv } from '../src/index.ts';

const child = fileURLToPath(new URL('./support/open-child.ts', import.meta.url));

test('storeOptionsFromEnv reads CLICKHOUSE_URL and DATA_DIR, ignoring blanks', () => {
  assert.deepEqual(storeOptionsFromEnv({}), {});
  assert.deepEqual(storeOptionsFromEnv({ CLICKHOUSE_URL: ' ', DATA_DIR: '/var/lib/gw' }), {
    dataDir: '/var/lib/gw',
  });
  assert.deepEqual(storeOptionsFromEnv({ CLICKHOUSE_URL: 'http://ch:8123' }), { url: 'http://ch:8123' });
});

test('unknown CLICKHOUSE_URL host: one line naming the URL, the cause and the fix', async () => {
  const err = await openStore({ url: 'http://gatewatch-no-such-host.invalid:8123' }).then(
    () => assert.fail('should not connect'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof StoreError);
  assert.match(
    err.message,
    /^cannot reach ClickHouse at http:\/\/gatewatch-no-such-host\.invalid:8123 \(getaddrinfo (ENOTFOUND|EAI_AGAIN) gatewatch-no-such-host\.invalid\): check CLICKHOUSE_URL or unset it to use embedded chDB in DATA_DIR$/,
  );
});

test('CLICKHOUSE_URL with nothing listening, or not a URL: one line each', async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  const refused = await openStore({ url: `http://127.0.0.1:${port}` }).catch((e: unknown) => e);
  assert.ok(refused instanceof StoreError);
  assert.match(
    refused.message,
    new RegExp(
      `^cannot reach ClickHouse at http://127\\.0\\.0\\.1:${port} \\(connect ECONNREFUSED[^)]*\\): check CLICKHOUSE_URL`,
    ),
  );
  const bad = await openStore({ url: 'ch:8123' }).catch((e: unknown) => e);
  assert.ok(bad instanceof StoreError);
  assert.match(bad.message, /^CLICKHOUSE_URL "ch:8123" is not/);
});

test('a DATA_DIR owned by another process: one line naming the dir and what to do', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatewatch-lock-'));
  const owner = spawn(
    process.execPath,
    ['--conditions=gatewatch-source', '--import', 'tsx', child, dataDir],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  try {
    const lines = createInterface({ input: owner.stdout });
    const [first] = (await once(lines, 'line')) as [string];
    assert.equal(first, 'opened');

    // In this process…
    const err = await openStore({ dataDir }).then(
      () => assert.fail('should be locked'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StoreError);
    assert.equal(err.message.includes('\n'), false);
    assert.match(
      err.message,
      new RegExp(
        `^DATA_DIR ${dataDir} is locked: another gatewatch process owns it .*stop that process or set DATA_DIR`,
      ),
    );

    // …and as a second process would print it.
    const second = spawn(
      process.execPath,
      ['--conditions=gatewatch-source', '--import', 'tsx', child, dataDir],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let out = '';
    second.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const [code] = (await once(second, 'exit')) as [number];
    assert.equal(code, 2);
    assert.match(out, /^StoreError: DATA_DIR .* is locked: another gatewatch process owns it/);
  } finally {
    owner.stdin.end();
    await once(owner, 'exit');
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a second DATA_DIR in the same process: one line saying to close the first store', async () => {
  const first = await mkdtemp(join(tmpdir(), 'gatewatch-one-'));
  const second = await mkdtemp(join(tmpdir(), 'gatewatch-two-'));
  const store = await openStore({ dataDir: first });
  try {
    const err = await openStore({ dataDir: second }).catch((e: unknown) => e);
    assert.ok(err instanceof StoreError);
    assert.match(
      err.message,
      /^this process already has embedded chDB open on another directory .*: close that store/,
    );
    assert.equal(err.message.includes('\n'), false);
  } finally {
    await store.close();
    await rm(first, { recursive: true, force: true });
    await rm(second, { recursive: true, force: true });
  }
});

test('a migration registry out of order is refused before anything runs', () => {
  const m = (version: number) => ({ version, name: `m${version}`, statements: [] });
  assert.doesNotThrow(() => checkMigrations([m(1), m(2), m(100)]));
  assert.throws(() => checkMigrations([m(1), m(3), m(2)]), /migration 2 \(m2\) is out of order/);
  assert.throws(() => checkMigrations([m(1), m(1)]), StoreError);
});
