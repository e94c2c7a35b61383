/**
 * Property-based fuzzing of the config loader (fast-check): random YAML and JSON documents, random bytes,
 * mutated valid configs and random environment values each give a valid config or a ConfigError naming the
 * field (what the gateway reports as event 401) — never another exception. Seed and path are printed on
 * failure (replay: FUZZ_SEED, FUZZ_PATH); FUZZ_RUNS=<n> for longer runs.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fuzzConfig } from '@gatewatch/simulator';
import fc from 'fast-check';
import { stringify } from 'yaml';
import {
  ConfigError,
  ENV_VARS,
  type GatewayConfig,
  loadConfig,
  parseConfig,
  setPath,
} from '../src/config.ts';
import { tempDir } from './helpers.ts';

fc.configureGlobal(fuzzConfig(2000));

const KEYS = Object.keys(parseConfig({}));
/** Keys: the schema's own (so values get validated), near misses, and the ones that bite JS objects. */
const key = fc.oneof(
  fc.constantFrom(...KEYS),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'),
  fc.string({ maxLength: 12 }),
);
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    '*.com',
    '*.co.uk',
    '*.blob.core.windows.net',
    '*',
    'auto',
    'TLS1.3',
    -1,
    0,
    65536,
    1e308,
    null,
  ),
);
const document = fc.oneof(
  fc.dictionary(key, value, { maxKeys: 6 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(
    fc.constantFrom('limits', 'relayProxy', 'tlsListener', 'resolve'),
    fc.dictionary(key, value, { maxKeys: 4 }),
  ),
);

/** A config, or a ConfigError: anything else fails the property. */
function outcome(load: () => GatewayConfig): GatewayConfig | ConfigError {
  try {
    return load();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${(err as Error)?.stack ?? String(err)}`);
    assert.doesNotMatch(err.message, /\n\s+at /);
    return err;
  }
}

const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);

describe('config loader (property-based)', () => {
  const dir = tempDir({ after: (fn) => process.on('exit', fn) });
  const file = (ext: string, text: string) => {
    const f = join(dir, `config.${ext}`); // one file per format, rewritten: the loader reads it afresh
    writeFileSync(f, text);
    return f;
  };

  it('random documents as YAML and JSON: a config or a ConfigError; an object document names its field', () => {
    fc.assert(
      fc.property(document, fc.constantFrom('yaml', 'json'), (doc, ext) => {
        const text = ext === 'json' ? JSON.stringify(doc) : stringify(doc);
        const r = outcome(() => loadConfig({ file: file(ext, text ?? '') }));
        if (r instanceof ConfigError && isObject(doc)) assert.notEqual(r.field, '', r.message);
        if (!(r instanceof ConfigError)) {
          // A config the loader accepts is a fixed point: it validates again to itself.
          assert.deepEqual(parseConfig(JSON.parse(JSON.stringify(r))), r);
          assert.deepEqual(Object.keys(r).sort(), [...KEYS].sort());
        }
      }),
    );
  });

  it('regressions the fuzzer found: reserved key names anywhere, an empty key', () => {
    for (const [doc, field] of [
      ['resolve:\n  constructor: null\n', 'resolve.constructor'], // zod threw a TypeError
      ['resolve:\n  constructor: "127.0.0.1:1"\n', 'resolve.constructor'], // "expected record, received object"
      ['{"resolve": {"__proto__": "127.0.0.1:1"}}', 'resolve.__proto__'], // silently dropped
      ['"": {}\n', '""'], // named "(root)"
    ] as const) {
      const r = outcome(() => loadConfig({ file: file(doc.startsWith('{') ? 'json' : 'yaml', doc) }));
      assert.ok(
        r instanceof ConfigError && r.field === field,
        `${doc} → ${String(r instanceof ConfigError ? r.message : 'valid')}`,
      );
    }
    // `config set __proto__.x 1` wrote into Object.prototype and reported success.
    assert.throws(
      () => setPath({}, '__proto__.polluted', 1),
      (e) => e instanceof ConfigError && e.field === '__proto__.polluted',
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('random text and bytes as a config file: a ConfigError naming the file, or a config', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })),
        fc.constantFrom('yaml', 'json'),
        (text, ext) => {
          const f = file(ext, text);
          const r = outcome(() => loadConfig({ file: f }));
          if (r instanceof ConfigError && r.field === '') assert.ok(r.message.includes(f), r.message);
        },
      ),
    );
  });

  it('a valid config with one value replaced: valid, or a ConfigError naming that key', () => {
    const base = {
      nodeId: 'gw1',
      listenPort: 8080,
      allowedHosts: ['*.blob.core.windows.net', 'api.example.org'],
      workspaces: ['0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'],
      regions: ['westeurope'],
      relayProxy: { address: 'http://proxy.corp:3128', username: 'gw', password: 'x' },
      resolve: { 'a.example:443': '127.0.0.1:8443' },
      limits: { headerTimeoutMs: 10000, maxConnections: 100 },
      workers: 2,
    };
    const path = fc.oneof(
      fc.constantFrom(...KEYS).map((k) => [k]),
      fc
        .constantFrom('headerTimeoutMs', 'maxConnections', 'perClientBurst', 'bogus')
        .map((k) => ['limits', k]),
      fc.constantFrom('address', 'username', 'password', 'bogus').map((k) => ['relayProxy', k]),
      fc.nat(3).map((i) => ['allowedHosts', String(i)]),
    );
    fc.assert(
      fc.property(path, value, fc.constantFrom('yaml', 'json'), (p, v, ext) => {
        const doc = structuredClone(base) as Record<string, unknown>;
        let cur = doc;
        for (const k of p.slice(0, -1)) {
          if (!isObject(cur[k]) && !Array.isArray(cur[k])) cur[k] = {};
          cur = cur[k] as Record<string, unknown>;
        }
        cur[p[p.length - 1] as string] = v;
        const text = ext === 'json' ? JSON.stringify(doc) : stringify(doc);
        const r = outcome(() => loadConfig({ file: file(ext, text) }));
        if (r instanceof ConfigError) assert.equal(r.field.split('.')[0], p[0], r.message);
      }),
    );
  });

  it('random GATEWATCH_* environment values: a config or a ConfigError naming the variable’s field', () => {
    const names = Object.keys(ENV_VARS);
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.oneof(
          fc.string({ maxLength: 30 }),
          fc.constantFrom('0', '-1', '65536', 'true', 'auto', 'http://u:p@h:1', '*.com,a.example'),
        ),
        (name, raw) => {
          const r = outcome(() => loadConfig({ env: { [name]: raw } }));
          if (r instanceof ConfigError)
            assert.equal(r.field.split('.')[0], ENV_VARS[name]?.path.split('.')[0], r.message);
        },
      ),
    );
  });
});
