/** The pure rules of src/auth.ts: credential parsing, loopback detection, the failed-login window, cross-site. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  authConfigFromEnv,
  basicRole,
  crossSiteReason,
  exposureProblem,
  hashPassword,
  isLoopback,
  LoginLimiter,
  tokenRole,
} from '../src/auth.ts';

test('DASHBOARD_BASIC_AUTH: roles, the old single user:password (editor), colons in passwords, scrypt', () => {
  const hash = hashPassword('s3cret');
  const c = authConfigFromEnv({
    DASHBOARD_BASIC_AUTH: ` ann:${hash}:viewer , bob:pa:ss , eve:x:editor,`,
    DASHBOARD_TOKEN: 'v',
    DASHBOARD_EDITOR_TOKEN: 'e',
  });
  assert.deepEqual(
    c.users.map((u) => [u.user, u.role]),
    [
      ['ann', 'viewer'],
      ['bob', 'editor'],
      ['eve', 'editor'],
    ],
  );
  assert.equal(basicRole(c, 'ann', 's3cret'), 'viewer');
  assert.equal(basicRole(c, 'ann', 's3cret'), 'viewer', 'again (remembered)');
  assert.equal(basicRole(c, 'ann', 'S3cret'), undefined);
  assert.equal(basicRole(c, 'bob', 'pa:ss'), 'editor');
  assert.equal(basicRole(c, 'nobody', 'pa:ss'), undefined);
  assert.equal(tokenRole(c, 'e'), 'editor');
  assert.equal(tokenRole(c, 'v'), 'viewer');
  assert.equal(tokenRole(c, 'vv'), undefined);
  for (const [value, message] of [
    ['justuser', /entry 1 is not user:password\[:role\]/],
    ['a:b,carol:', /entry 2 \(user "carol"\) has an empty password/],
    ['dan:scrypt$short$x:viewer', /entry 1 \(user "dan"\): the scrypt hash is malformed/],
  ] as const)
    assert.throws(() => authConfigFromEnv({ DASHBOARD_BASIC_AUTH: value }), message);
});

test('exposure: loopback binds need nothing; any other address needs a credential or the override', () => {
  for (const h of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
    assert.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.7', 'dashboard.example', '::ffff:10.0.0.1'])
    assert.ok(!isLoopback(h), h);
  const none = authConfigFromEnv({});
  assert.match(
    exposureProblem('::', none, false) ?? '',
    /^the dashboard binds :: without credentials: set DASHBOARD_TOKEN/,
  );
  assert.equal(exposureProblem('::', none, true), undefined);
  assert.equal(
    exposureProblem('0.0.0.0', authConfigFromEnv({ DASHBOARD_EDITOR_TOKEN: 't' }), false),
    undefined,
  );
  assert.equal(exposureProblem('127.0.0.1', none, false), undefined);
});

test('failed logins: refused after 10 in a minute until the oldest leaves the window; per address', () => {
  const l = new LoginLimiter(10, 60_000);
  for (let i = 0; i < 10; i++) l.fail('a', 1_000 + i * 1_000);
  assert.equal(l.retryAfter('b', 11_000), 0);
  assert.equal(l.retryAfter('a', 11_000), 50); // the first failure (t=1 s) leaves the window at 61 s
  assert.equal(l.retryAfter('a', 61_001), 0);
});

test('cross-site: Sec-Fetch-Site other than same-origin, or a foreign Origin; neither header passes', () => {
  const hosts = ['dash:3000', null];
  assert.equal(
    crossSiteReason({ secFetchSite: 'same-origin', origin: 'http://dash:3000', hosts }),
    undefined,
  );
  assert.equal(crossSiteReason({ secFetchSite: null, origin: null, hosts }), undefined);
  assert.match(
    crossSiteReason({ secFetchSite: 'same-site', origin: null, hosts }) ?? '',
    /Sec-Fetch-Site: same-site/,
  );
  assert.match(crossSiteReason({ secFetchSite: null, origin: 'null', hosts }) ?? '', /Origin null is not/);
  assert.match(
    crossSiteReason({ secFetchSite: null, origin: 'http://dash:3001', hosts }) ?? '',
    /not this dashboard \(dash:3000\)/,
  );
});
