/**
 * Access control against the production build (runs after `next build`, like launcher.test.ts): viewer vs
 * editor on every state-changing route (the store and the rules file unchanged after each refusal), the
 * same-origin check, rate-limited failed logins, and the refusal to start exposed without credentials.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RULES_YAML } from '@gatewatch/alerting';
import { loadFixture, openStore, type Store } from '@gatewatch/store';
import { hashPassword, type RunningDashboard, startDashboard } from '../src/index.ts';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const REPO = join(APP_DIR, '..', '..');
const AUTH_VARS = ['DASHBOARD_TOKEN', 'DASHBOARD_EDITOR_TOKEN', 'DASHBOARD_BASIC_AUTH'] as const;
const VIEWER = { authorization: 'Bearer viewer-token-1' };
const EDITOR = { authorization: 'Bearer editor-token-1' };
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});
const VIEWER_BASIC = basic('ann', 'ann pass');
const EDITOR_BASIC = basic('ed', 'ed-pass');

let dir = '';
let rulesFile = '';
let store: Store;
let dash: RunningDashboard;
const warnings: string[] = [];
const consoleWarn = console.warn;

function setAuth(on: boolean): void {
  for (const v of AUTH_VARS) delete process.env[v];
  if (!on) return;
  process.env.DASHBOARD_TOKEN = 'viewer-token-1';
  process.env.DASHBOARD_EDITOR_TOKEN = 'editor-token-1';
  // A viewer with an scrypt hash, an editor with a plain password.
  process.env.DASHBOARD_BASIC_AUTH = `ann:${hashPassword('ann pass')}:viewer, ed:ed-pass:editor`;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http, so the client address (localAddress) and the Origin header are ours to choose. */
function call(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
  localAddress = '127.0.0.1',
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${dash.url}${path}`, { method, headers, localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const silenceBody = () =>
  JSON.stringify({
    matchers: [{ name: 'alertname', value: '.*', op: '=~' }],
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    comment: 'auth test',
  });

/** Every state-changing request the app serves (see the route inventory test below). */
function mutations(silenceId: string): { method: string; path: string; body: string; type: string }[] {
  return [
    { method: 'POST', path: '/alerts/api/silences', body: silenceBody(), type: 'application/json' },
    { method: 'DELETE', path: `/alerts/api/silences/${silenceId}`, body: '', type: 'text/plain' },
    {
      method: 'PUT',
      path: '/alerts/api/rules/file',
      body: `# edited by the auth test\n${DEFAULT_RULES_YAML}`,
      type: 'text/plain',
    },
  ];
}

/** What the mutations change: the silences (with end times) and the rules file. */
async function state(): Promise<string> {
  const res = await call('GET', '/alerts/api/silences?all=1', EDITOR);
  assert.equal(res.status, 200, res.body);
  const { silences } = JSON.parse(res.body) as { silences: { id: string; endsAt: string }[] };
  const list = silences.map((s) => `${s.id}@${s.endsAt}`).sort();
  return JSON.stringify({ list, rules: readFileSync(rulesFile, 'utf8') });
}

async function createSilence(headers: Record<string, string>): Promise<Reply> {
  return call(
    'POST',
    '/alerts/api/silences',
    { ...headers, 'content-type': 'application/json' },
    silenceBody(),
  );
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatewatch-dash-auth-'));
  rulesFile = join(dir, 'rules.yaml');
  writeFileSync(rulesFile, DEFAULT_RULES_YAML);
  process.env.ALERT_RULES_FILE = rulesFile; // makes PUT /alerts/api/rules/file available
  store = await openStore({ dataDir: join(dir, 'store') });
  const end = Math.floor(Date.now() / 10_000) * 10_000;
  await loadFixture(store, { seed: 5, nodes: 2, hours: 1, start: end - 3_600_000 });
  setAuth(true);
  dash = await startDashboard({ port: 0, store });
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  };
});

after(async () => {
  console.warn = consoleWarn;
  setAuth(false);
  delete process.env.ALERT_RULES_FILE;
  await dash?.close();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('route inventory: the state-changing handlers are exactly the ones tested here', () => {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (/^route\.tsx?$/.test(e.name)) {
        const text = readFileSync(join(d, e.name), 'utf8');
        for (const m of text.matchAll(/\b(?:as|function|const)\s+(POST|PUT|DELETE|PATCH)\b/g))
          found.push(`${m[1]} ${relative(join(APP_DIR, 'app'), d)}`);
      }
    }
  };
  walk(join(APP_DIR, 'app'));
  assert.deepEqual(found.sort(), [
    'DELETE alerts/api/[...path]',
    'POST alerts/api/[...path]',
    'PUT alerts/api/[...path]',
  ]);
  const actions = spawnSync('grep', [
    '-rln',
    "'use server'",
    join(APP_DIR, 'app'),
    join(APP_DIR, 'components'),
  ]);
  assert.equal(actions.stdout.toString(), '', 'no server actions (they would need the same checks)');
});

test('no credentials and viewer credentials: every state-changing route refused, nothing changes', async () => {
  const made = await createSilence(EDITOR);
  assert.equal(made.status, 201, made.body);
  const id = (JSON.parse(made.body) as { silence: { id: string } }).silence.id;
  const before = await state();
  for (const m of mutations(id)) {
    const send = (h: Record<string, string>) =>
      call(m.method, m.path, { ...h, 'content-type': m.type }, m.body);
    const anonymous = await send({});
    assert.equal(anonymous.status, 401, `${m.method} ${m.path} without credentials`);
    for (const [who, creds] of [
      ['viewer token', VIEWER],
      ['viewer basic user', VIEWER_BASIC],
    ] as const) {
      const res = await send(creds);
      assert.equal(res.status, 403, `${m.method} ${m.path} as ${who}: ${res.body}`);
      assert.match(
        (JSON.parse(res.body) as { error: string }).error,
        new RegExp(`^forbidden: ${m.method} \\S+ needs an editor credential`),
      );
    }
    assert.equal(await state(), before, `${m.method} ${m.path}: silences and rules file unchanged`);
  }
});

test('an editor changes state (token, basic user, and from its own pages)', async () => {
  const before = await state();
  const viaToken = await createSilence(EDITOR);
  assert.equal(viaToken.status, 201, viaToken.body);
  const viaBasic = await createSilence(EDITOR_BASIC);
  assert.equal(viaBasic.status, 201, viaBasic.body);
  const host = new URL(dash.url).host;
  const fromPage = await createSilence({
    ...EDITOR,
    origin: dash.url,
    'sec-fetch-site': 'same-origin',
    host,
  });
  assert.equal(fromPage.status, 201, fromPage.body);
  const id = (JSON.parse(viaToken.body) as { silence: { id: string } }).silence.id;
  const expired = await call('DELETE', `/alerts/api/silences/${id}`, EDITOR);
  assert.equal(expired.status, 200, expired.body);
  const [, , put] = mutations(id);
  const saved = await call('PUT', put?.path ?? '', EDITOR_BASIC, put?.body);
  assert.equal(saved.status, 200, saved.body);
  assert.match(readFileSync(rulesFile, 'utf8'), /^# edited by the auth test/);
  assert.notEqual(await state(), before);
  writeFileSync(rulesFile, DEFAULT_RULES_YAML);
});

test('cross-site state changes are refused even with an editor credential', async () => {
  const before = await state();
  const evil = await createSilence({ ...EDITOR, origin: 'http://evil.example' });
  assert.equal(evil.status, 403);
  assert.match(evil.body, /Origin http:\/\/evil\.example is not this dashboard/);
  const site = await createSilence({ ...EDITOR_BASIC, 'sec-fetch-site': 'cross-site' });
  assert.equal(site.status, 403);
  assert.match(site.body, /Sec-Fetch-Site: cross-site/);
  assert.equal(await state(), before);
});

test('viewers read pages and CSV; /api/health is open; no credentials: 401', async () => {
  assert.equal((await call('GET', '/api/health')).status, 200);
  const anonymous = await call('GET', '/events');
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.body, /DASHBOARD_TOKEN/);
  for (const creds of [VIEWER, VIEWER_BASIC]) {
    assert.equal((await call('GET', '/events?range=1h', creds)).status, 200);
    const csv = await call('GET', '/api/csv/nodes?range=6h', creds);
    assert.equal(csv.status, 200);
    assert.match(csv.body, /\r\ngw-01,/);
  }
  // The rules file names webhook receivers (URLs with secrets): editors only, even to read.
  const rulesAsViewer = await call('GET', '/alerts/api/rules/file', VIEWER);
  assert.equal(rulesAsViewer.status, 403, rulesAsViewer.body);
  assert.doesNotMatch(rulesAsViewer.body, /receivers|webhook_configs|url:/);
  assert.equal((await call('GET', '/alerts/api/rules/file', EDITOR)).status, 200);
  // The Alerts page offers its editing controls to editors only.
  assert.equal((await createSilence(EDITOR)).status, 201);
  const asViewer = await call('GET', '/alerts?range=24h', VIEWER);
  assert.equal(asViewer.status, 200);
  // (The text itself is in every page's message catalog: look for the element.)
  assert.match(asViewer.body, /data-testid="read-only">read-only: editor credential needed</);
  assert.match(asViewer.body, /data-testid="silence-row"/, 'the silences are listed');
  assert.doesNotMatch(asViewer.body, /data-testid="(silence-form|rules-editor)"|>Expire<\/button>/);
  const asEditor = await call('GET', '/alerts?range=24h', EDITOR);
  assert.equal(asEditor.status, 200);
  assert.match(asEditor.body, /data-testid="silence-form"/);
  assert.match(asEditor.body, /data-testid="rules-editor"/);
  assert.match(asEditor.body, />Expire<\/button>/);
  assert.doesNotMatch(asEditor.body, /data-testid="read-only"/);
});

test('failed logins: 10 per minute per client address, then 429 with Retry-After; logged without the secret', async () => {
  warnings.length = 0;
  const other = '127.0.0.2'; // a client of its own, so the other tests' address is not blocked
  for (let i = 1; i <= 10; i++) {
    const res = await call('GET', '/events', basic('ed', `wrong-${i}`), undefined, other);
    assert.equal(res.status, 401, `attempt ${i}`);
  }
  const blocked = await call('GET', '/events', basic('ed', 'wrong-11'), undefined, other);
  assert.equal(blocked.status, 429);
  assert.match(String(blocked.headers['retry-after']), /^[1-9]\d*$/);
  assert.match(blocked.body, /too many failed logins from 127\.0\.0\.2/);
  // Refused even with the right password while blocked; another address is not affected.
  assert.equal((await call('GET', '/events', EDITOR_BASIC, undefined, other)).status, 429);
  assert.equal((await call('GET', '/events?range=1h', EDITOR_BASIC)).status, 200);
  const logged = warnings.filter((w) => w.includes('failed login from 127.0.0.2'));
  assert.equal(logged.length, 10, warnings.join('\n'));
  assert.match(logged[0] ?? '', /failed login from 127\.0\.0\.2 \(basic auth user "ed"\)/);
  assert.ok(!warnings.some((w) => w.includes('wrong-')), 'no password in the log');
});

test('no credentials configured (loopback): everyone edits, but only from the same origin', async () => {
  setAuth(false);
  try {
    const before = await state();
    const evil = await createSilence({ origin: 'http://evil.example' });
    assert.equal(evil.status, 403);
    assert.equal(await state(), before);
    const ok = await createSilence({ origin: dash.url, 'sec-fetch-site': 'same-origin' });
    assert.equal(ok.status, 201, ok.body);
  } finally {
    setAuth(true);
  }
});

test('start-up: a bind beyond loopback without credentials is refused in one line', async () => {
  setAuth(false);
  try {
    for (const host of ['0.0.0.0', '::', '192.0.2.10'])
      await assert.rejects(
        startDashboard({ host, port: 0 }),
        new RegExp(
          `^DashboardError: the dashboard binds ${host.replace(/\./g, '\\.')} without credentials: set DASHBOARD_TOKEN \\(viewer\\) / DASHBOARD_EDITOR_TOKEN \\(editor\\) or DASHBOARD_BASIC_AUTH, or set DASHBOARD_INSECURE_NO_AUTH=1$`,
        ),
      );
    process.env.DASHBOARD_BASIC_AUTH = 'nopassword';
    await assert.rejects(
      startDashboard({ port: 0 }),
      /DASHBOARD_BASIC_AUTH entry 1 is not user:password\[:role\]/,
    );
  } finally {
    setAuth(true);
  }
  // The launcher refuses before it opens anything: one line, exit 1.
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: join(dir, 'launcher') };
  for (const v of AUTH_VARS) delete env[v];
  const launcher = (args: string[], extra: Record<string, string>) =>
    spawnSync(
      process.execPath,
      ['--conditions=gatewatch-source', '--import', 'tsx', 'apps/gatewatch/src/cli.ts', ...args],
      { cwd: REPO, env: { ...env, ...extra }, encoding: 'utf8', timeout: 60_000 },
    );
  const cases: [string[], Record<string, string>][] = [
    [['--dashboard-host', '0.0.0.0'], {}],
    [['dashboard'], { DASHBOARD_HOST: '::' }],
  ];
  for (const [args, extra] of cases) {
    const r = launcher(args, extra);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /^gatewatch: the dashboard binds (0\.0\.0\.0|::) without credentials: set DASHBOARD_TOKEN \(viewer\) \/ DASHBOARD_EDITOR_TOKEN \(editor\) or DASHBOARD_BASIC_AUTH, or pass --insecure-no-auth\n$/,
    );
  }
  // With the override the launcher goes on (here to an unreachable ClickHouse, so nothing binds).
  const closed: [string[], Record<string, string>][] = [
    [['dashboard', '--dashboard-host', '0.0.0.0', '--insecure-no-auth'], {}],
    [['dashboard', '--dashboard-host', '0.0.0.0'], { DASHBOARD_INSECURE_NO_AUTH: '1' }],
  ];
  for (const [args, extra] of closed) {
    const r = launcher(args, { ...extra, CLICKHOUSE_URL: 'http://127.0.0.1:1' });
    assert.equal(r.status, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /without credentials/);
    assert.match(r.stderr, /^gatewatch: cannot reach ClickHouse at http:\/\/127\.0\.0\.1:1 /m);
  }
});

test('--insecure-no-auth / DASHBOARD_INSECURE_NO_AUTH: starts exposed, with a warning', () => {
  // In a private network namespace (unshare -rn), so the 0.0.0.0 bind is reachable from nowhere.
  const script = `import { startDashboard } from ${JSON.stringify(join(APP_DIR, 'src/index.ts'))};
const d = await startDashboard({ host: '0.0.0.0', port: 0, ...(process.argv[1] === 'flag' && { insecureNoAuth: true }) });
process.stdout.write(d.url + '\\n');
await d.close();`;
  const env = { ...process.env };
  for (const v of AUTH_VARS) delete env[v];
  for (const [how, extra] of [
    ['flag', {}],
    ['env', { DASHBOARD_INSECURE_NO_AUTH: '1' }],
  ] as const) {
    const r = spawnSync(
      'unshare',
      ['-rn', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script, how],
      { cwd: APP_DIR, env: { ...env, ...extra }, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /(^|\n)http:\/\/0\.0\.0\.0:\d+\n$/);
    assert.match(
      r.stderr,
      /warning: the dashboard on 0\.0\.0\.0:\d+ has no credentials \(insecure no-auth mode\): anyone who reaches it can read every record and create silences/,
    );
  }
});
