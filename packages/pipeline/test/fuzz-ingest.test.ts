/**
 * Property-based fuzzing of what the ingester reads from the topics (fast-check). Pure properties (many runs):
 * the record decoders on good records mixed with garbage lines, and the OTLP span decoder on random bytes.
 * One integration property (few runs, real embedded chDB behind the in-process bus): garbage values and
 * headers go to the dead-letter topic line by line, the good records of the same message are stored, and
 * the ingester keeps going. A failure prints seed and path (replay: FUZZ_SEED, FUZZ_PATH); FUZZ_RUNS=<n>
 * multiplies nothing: it sets the pure properties' runs (the integration one takes a tenth of it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  COUNTER_SCHEMA,
  type Decoded,
  decodeCounterSamples,
  decodeEventRecords,
  decodeUsageRecords,
  EVENT_IDS,
  EVENT_SCHEMA,
  type EventRecordInput,
  encodeRecord,
  frameRecords,
  parseEventRecord,
  REJECTION_REASON_NAMES,
  SCHEMA_HEADER,
  USAGE_SCHEMA,
} from '@gatewatch/events';
import { fuzzConfig } from '@gatewatch/simulator';
import fc from 'fast-check';
import { type ConsumedMessage, InProcessBus, runIngester } from '../src/index.ts';
import { decodeSpans } from '../src/otlp.ts';
import { suiteStore, waitFor } from './support/helpers.ts';

const settings = fuzzConfig(2000);
const numRuns = settings.numRuns ?? 2000;
fc.configureGlobal(settings);

/** Text as it may arrive: any code points, lone surrogates (valid JSON escapes) and control characters. */
const text = (max: number) =>
  fc
    .oneof(
      fc.string({ maxLength: max }),
      fc.string({ unit: 'binary', maxLength: Math.min(max, 40) }),
      fc.constantFrom('', '\ud800', 'a\udfffb', '\u0000', '\r', 'é'.repeat(Math.min(max, 3))),
    )
    .map((s) => s.slice(0, max)); // the schema counts UTF-16 units (a cut pair is a lone surrogate: fine)
const hex = (n: number) => fc.oneof(fc.constant(''), fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`)));

/** Event records over the schema's whole range. */
const eventRecord = (nodeId: string): fc.Arbitrary<EventRecordInput> =>
  fc.record({
    recordId: fc.uuid({ version: 4 }),
    ts: fc.integer({ min: 0, max: 253_402_300_799_999 }), // to 9999-12-31, what ClickHouse stores
    nodeId: fc.constant(nodeId),
    eventId: fc.constantFrom(...EVENT_IDS),
    workspaceId: text(36),
    clientAddress: text(64),
    targetHost: text(255),
    targetPort: fc.integer({ min: 0, max: 65535 }),
    tlsVersion: text(16),
    sni: text(255),
    reason: fc.constantFrom('', ...REJECTION_REASON_NAMES),
    message: text(2048),
    traceId: hex(32),
    spanId: hex(16),
  });

/** Lines that are never a record: not JSON, JSON of another shape, a record without its id. */
const badLine = fc.oneof(
  fc.string({ maxLength: 60 }).map((s) => `#${s.replace(/\n/g, ' ')}`),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
  eventRecord('fuzz').map(({ recordId: _, ...rest }) => JSON.stringify(rest)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map((s) => `{${s.replace(/\n/g, ' ')}`),
);

type Line = { good: EventRecordInput } | { bad: string };
const lines = (nodeId: string) =>
  fc.array(
    fc.oneof(
      eventRecord(nodeId).map((good): Line => ({ good })),
      badLine.map((bad): Line => ({ bad })),
    ),
    { minLength: 1, maxLength: 12 },
  );
const frame = (ls: Line[]) =>
  frameRecords(ls.map((l) => ('good' in l ? encodeRecord(parseEventRecord(l.good)) : Buffer.from(l.bad))));
const blank = (s: string) => s.trim() === '';

describe('ingester record decoding (property-based)', () => {
  it('good event records among garbage lines: each good one decoded as is, each non-blank bad line an error', () => {
    fc.assert(
      fc.property(lines('fuzz'), (ls) => {
        const out = decodeEventRecords(frame(ls));
        const good = ls.flatMap((l) => ('good' in l ? [parseEventRecord(l.good)] : []));
        assert.deepEqual(
          out.flatMap((d) => (d.ok ? [d.value] : [])),
          good,
        );
        const badCount = ls.filter((l) => 'bad' in l && !blank(l.bad)).length;
        assert.equal(out.filter((d) => !d.ok).length, badCount);
        for (const d of out) if (!d.ok) assert.ok(d.error.length > 0 && d.line.length > 0);
      }),
    );
  });

  it('regressions the fuzzer found: a lone surrogate and a year past 9999 (ClickHouse refused the one and clamped the other)', () => {
    const base = {
      recordId: '00000000-0000-4000-8000-000000000000',
      ts: 0,
      nodeId: 'n',
      eventId: EVENT_IDS[0],
    };
    const [lone] = decodeEventRecords(
      Buffer.from(
        `{"recordId":"${base.recordId}","ts":0,"nodeId":"n\\ud800","eventId":${base.eventId},"clientAddress":"a\\ud800"}`,
      ),
    );
    assert.ok(
      lone?.ok && lone.value.clientAddress === 'a\ufffd' && lone.value.nodeId === 'n\ufffd',
      JSON.stringify(lone),
    );
    const [late] = decodeEventRecords(encodeRecord({ ...base, ts: 253_402_300_800_000 } as never));
    assert.ok(late && !late.ok && /ts:/.test(late.error), JSON.stringify(late));
  });

  it('random bytes to every decoder: never throws, every line a record or an error naming its cause', () => {
    const decoders: ((b: Uint8Array) => Decoded<unknown>[])[] = [
      decodeEventRecords,
      decodeCounterSamples,
      decodeUsageRecords,
    ];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }),
          fc
            .array(fc.jsonValue({ maxDepth: 3 }))
            .map((vs) => Buffer.from(vs.map((v) => JSON.stringify(v)).join('\n'))),
          // Objects whose keys trip JS and zod (`constructor: null` made z.record throw a TypeError).
          fc
            .dictionary(
              fc.constantFrom('constructor', '__proto__', 'rejectionsByReason', 'toString'),
              fc.jsonValue({ maxDepth: 2 }),
            )
            .map((o) => Buffer.from(JSON.stringify({ rejectionsByReason: o, ...o }))),
        ),
        (bytes) => {
          for (const decode of decoders)
            for (const d of decode(bytes)) {
              if (d.ok) continue;
              let json = true;
              try {
                JSON.parse(d.line);
              } catch {
                json = false;
              }
              // "not JSON" only for lines that are not (a TypeError from zod was labelled so).
              assert.match(
                d.error,
                json ? /^invalid (event record|counter sample|usage record): / : /^not JSON: /,
              );
            }
        },
      ),
    );
  });

  it('random bytes to the OTLP span decoder: rows or an Error, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          assert.ok(Array.isArray(decodeSpans(bytes)));
        } catch (err) {
          assert.ok(err instanceof Error, String(err));
        }
      }),
    );
  });
});

describe('ingester on garbage from the topics (property-based, in-process bus + embedded chDB)', () => {
  const suite = suiteStore('fuzz-ingest');

  it('bad lines and headers go to the dead-letter topic, the good records of the same messages are stored, the ingester keeps going', async () => {
    const bus = new InProcessBus({ partitions: 2 });
    await bus.start();
    const ingester = await runIngester({
      bus,
      store: suite.store,
      groupId: 'fuzz',
      retryBackoffMs: 50,
      log: () => {},
    });
    const dead: ConsumedMessage[] = [];
    const dl = await bus.subscribe({
      groupId: 'fuzz-dead-letters',
      topics: [bus.topic('deadLetter')],
      handler: async (b) => {
        dead.push(...b.messages);
        await b.commit(b.messages[b.messages.length - 1]?.offset as string);
      },
    });
    const schemaHeader = fc.oneof(
      fc.constant<string | undefined>(undefined),
      fc.constant(EVENT_SCHEMA),
      fc.constantFrom('event.v2', '', COUNTER_SCHEMA),
    );
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(schemaHeader, lines('n')), { minLength: 1, maxLength: 4 }),
          fc.array(
            fc.tuple(
              fc.constantFrom('counters', 'usage') as fc.Arbitrary<'counters' | 'usage'>,
              fc.array(badLine, { maxLength: 4 }),
            ),
            { maxLength: 3 },
          ),
          async (eventMessages, otherMessages) => {
            const nodeId = `fuzz-${run++}-${Date.now()}`;
            const stored: string[] = [];
            let expectedDead = 0;
            const byId = new Map<string, EventRecordInput>();
            await bus.produce(
              bus.topic('events'),
              eventMessages.map(([schema, ls]) => {
                const mine = ls.map((l): Line => ('good' in l ? { good: { ...l.good, nodeId } } : l));
                const goods = mine.flatMap((l) => ('good' in l ? [l.good] : []));
                if (schema !== undefined && schema !== EVENT_SCHEMA) expectedDead += 1;
                else if (mine.every((l) => 'bad' in l && blank(l.bad))) expectedDead += 1;
                else {
                  expectedDead += mine.filter((l) => 'bad' in l && !blank(l.bad)).length;
                  for (const g of goods)
                    if (!byId.has(g.recordId)) {
                      byId.set(g.recordId, g);
                      stored.push(g.recordId);
                    }
                }
                return {
                  key: nodeId,
                  value: frame(mine),
                  headers: (schema === undefined ? {} : { [SCHEMA_HEADER]: schema }) as Record<
                    string,
                    string
                  >,
                };
              }),
            );
            for (const [topic, ls] of otherMessages) {
              const nonBlank = ls.filter((l) => !blank(l)).length;
              expectedDead += nonBlank || 1; // an all-blank message is dead as a whole
              await bus.produce(bus.topic(topic), [
                {
                  key: nodeId,
                  value: Buffer.from(ls.join('\n')),
                  headers: { [SCHEMA_HEADER]: topic === 'counters' ? COUNTER_SCHEMA : USAGE_SCHEMA },
                },
              ]);
            }
            const mineDead = () => dead.filter((d) => d.key?.toString() === nodeId).length;
            const rows = async () =>
              (
                await suite.store.client.query({
                  query:
                    'SELECT toString(recordId) AS id, message, targetHost, toString(toUnixTimestamp64Milli(ts)) AS ts FROM gateway_events WHERE nodeId = {n:String}',
                  query_params: { n: nodeId },
                  format: 'JSONEachRow',
                })
              ).json<{ id: string; message: string; targetHost: string; ts: string }>();
            await waitFor(
              `${stored.length} stored records and ${expectedDead} dead letters of ${nodeId}`,
              async () => mineDead() >= expectedDead && (await rows()).length >= stored.length,
              20_000,
              50,
            );
            assert.equal(mineDead(), expectedDead);
            const got = await rows();
            assert.deepEqual(got.map((r) => r.id).sort(), [...stored].sort());
            for (const r of got) {
              const g = parseEventRecord(byId.get(r.id)); // as decoded: lone surrogates are U+FFFD
              assert.equal(r.message, g.message, `message of ${r.id}`);
              assert.equal(r.targetHost, g.targetHost, `targetHost of ${r.id}`);
              assert.equal(Number(r.ts), g.ts, `ts of ${r.id}`);
            }
          },
        ),
        { numRuns: Math.max(5, Math.round(numRuns / 100)) },
      );
    } finally {
      await dl.stop();
      await ingester.stop();
      await bus.close();
    }
  });
});
