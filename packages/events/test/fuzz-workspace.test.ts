/**
 * Property-based fuzzing of the host normaliser and workspace-id extraction (fast-check). A failure prints
 * seed and path; FUZZ_RUNS=<n> runs each property n times, FUZZ_SEED / FUZZ_PATH replay one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  extractWorkspaceId,
  isWorkspaceId,
  normalizeHost,
  WORKSPACE_HOST_SUFFIXES,
  WORKSPACE_ID_PATTERN,
  workspaceHosts,
} from '../src/index.ts';

const runs = Number(process.env.FUZZ_RUNS);
const seed = Number(process.env.FUZZ_SEED);
fc.configureGlobal({
  numRuns: Number.isInteger(runs) && runs > 0 ? runs : 3000,
  ...(Number.isInteger(seed) ? { seed } : {}),
  ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
});

const anyText = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }));
const mixedCase = (s: string, flips: boolean[]) =>
  [...s].map((c, i) => (flips[i % Math.max(1, flips.length)] ? c.toUpperCase() : c)).join('');
const guid = fc.uuid({ version: [1, 2, 3, 4, 5, 6, 7, 8] });
const suffix = fc.constantFrom(...WORKSPACE_HOST_SUFFIXES);
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,15}[a-z0-9])?$/);
const hostName = fc.array(label, { minLength: 1, maxLength: 5 }).map((l) => l.join('.'));

describe('host normaliser and workspace ids (property-based)', () => {
  it('normalizeHost never throws on any text; on host names (any case, trailing dot, [v6]) it is a fixed point', () => {
    fc.assert(
      fc.property(anyText, (h) => {
        const n = normalizeHost(h);
        assert.doesNotMatch(n, /[A-Z]/);
        assert.ok(n.length <= h.length);
      }),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          hostName,
          fc.ipV4(),
          fc.ipV6().map((a) => `[${a}]`),
        ),
        fc.array(fc.boolean()),
        fc.boolean(),
        (h, flips, dot) => {
          const n = normalizeHost(`${mixedCase(h, flips)}${dot ? '.' : ''}`);
          assert.equal(n, h.replace(/^\[(.*)\]$/, '$1').toLowerCase());
          assert.equal(normalizeHost(n), n);
        },
      ),
    );
  });

  it('regression the fuzzer found: a trailing dot after [v6] brackets', () => {
    assert.equal(normalizeHost('[::1].'), '::1'); // was '[::1]', and '::1' on a second pass
  });

  it('regression the fuzzer found: only ASCII letters are folded (seed 324444965: "İ" grew to "i̇")', () => {
    assert.equal(normalizeHost('İ'), 'İ');
    assert.equal(normalizeHost('\u212Aafka.EXAMPLE'), '\u212Aafka.example'); // the Kelvin sign is not a k
    assert.equal(normalizeHost('Bücher.Example.'), 'bücher.example');
  });

  it('an endpoint host yields its workspace id whatever the case and a trailing dot', () => {
    fc.assert(
      fc.property(guid, suffix, fc.array(fc.boolean()), fc.boolean(), (id, s, flips, dot) => {
        const host = `${mixedCase(`${id}.${s}`, flips)}${dot ? '.' : ''}`;
        assert.equal(extractWorkspaceId(host), id.toLowerCase());
        assert.ok(isWorkspaceId(mixedCase(id, flips)));
      }),
    );
  });

  it('any other text yields no id, or exactly <id>.<known suffix> after normalising (no look-alike passes)', () => {
    const lookAlike = fc.oneof(
      anyText,
      fc.tuple(guid, suffix, anyText).map(([id, s, x]) => `${id}.${s}${x}`),
      fc.tuple(guid, suffix, anyText).map(([id, s, x]) => `${x}${id}.${s}`),
      fc.tuple(guid, suffix, fc.nat(40)).map(([id, s, i]) => {
        const h = `${id}.${s}`;
        return `${h.slice(0, i)}${h.slice(i + 1)}`; // one character dropped
      }),
    );
    fc.assert(
      fc.property(lookAlike, (h) => {
        const id = extractWorkspaceId(h);
        if (id === '') return;
        assert.match(id, WORKSPACE_ID_PATTERN);
        const n = normalizeHost(h);
        assert.ok(
          (WORKSPACE_HOST_SUFFIXES as readonly string[]).some((s) => n === `${id}.${s}`),
          `${JSON.stringify(h)} → ${id}`,
        );
      }),
    );
  });

  it('isWorkspaceId accepts exactly the GUID shape (ASCII hex only), and workspaceHosts round-trips', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          guid,
          anyText,
          guid.map((g) => g.replace(/[a-f]/, 'Ａ')),
        ),
        (v) => {
          assert.equal(
            isWorkspaceId(v),
            /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(v),
          );
          if (!isWorkspaceId(v)) return;
          for (const h of workspaceHosts(v)) assert.equal(extractWorkspaceId(h), v.toLowerCase());
        },
      ),
    );
  });
});
