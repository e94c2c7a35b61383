/** Pure logic: URL → range/bucket/rollup/filters, gap filling, CSV escaping. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCsv } from '../lib/csv.ts';
import { pivot } from '../lib/pivot.ts';
import { parseRange, stepSeconds, withParams } from '../lib/range.ts';
import { buildView, eventIdsFor } from '../lib/view.ts';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 7);

test('relative and absolute ranges; invalid values fall back to 24h', () => {
  assert.deepEqual(parseRange({ range: '1h' }, NOW), {
    fromMs: NOW - 3_600_000,
    toMs: NOW,
    relative: '1h',
    label: 'Last 1h',
  });
  const abs = parseRange({ from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z', range: '1h' }, NOW);
  assert.equal(abs.relative, undefined);
  assert.equal(abs.toMs - abs.fromMs, 86_400_000);
  assert.equal(parseRange({ range: 'nope' }, NOW).relative, '24h');
  assert.equal(parseRange({ from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' }, NOW).relative, '24h');
});

test('about 600 buckets at most, whole rollup periods when reading rollups', () => {
  const cases: [string, number, false | '1m' | '5m' | '1h'][] = [
    ['15m', 10, false],
    ['1h', 10, false],
    ['6h', 60, '1m'],
    ['24h', 300, '5m'],
    ['7d', 3600, '1h'],
    ['30d', 7200, '1h'],
  ];
  const period = { '1m': 60, '5m': 300, '1h': 3600 };
  for (const [range, step, rollup] of cases) {
    const v = buildView({ range }, NOW);
    assert.equal(v.stepSec, step, range);
    assert.equal(v.rollup, rollup, range);
    assert.ok((v.toMs - v.fromMs) / 1000 / v.stepSec <= 601, `${range}: ≤ ~600 buckets`);
    if (v.rollup) assert.equal(v.stepSec % period[v.rollup], 0, 'whole rollup periods');
    assert.equal(v.fromMs % (step * 1000), 0, 'aligned');
  }
  assert.equal(
    stepSeconds({ fromMs: 0, toMs: 60_000, label: '' }),
    10,
    'never finer than the 10 s sample interval',
  );
});

test('the 5-minute tier: ranges over 12 h up to 3 days, steps of whole 5 minutes', () => {
  const H = 3_600_000;
  const abs = (hours: number) => ({
    from: new Date(NOW - hours * H).toISOString(),
    to: new Date(NOW).toISOString(),
  });
  const cases: [number, number, false | '1m' | '5m' | '1h'][] = [
    [3, 20, false],
    [3.5, 60, '1m'],
    [12, 120, '1m'],
    [12.5, 300, '5m'],
    [20, 300, '5m'],
    [48, 300, '5m'],
    [72, 600, '5m'],
    [73, 3600, '1h'],
  ];
  for (const [hours, step, rollup] of cases) {
    const v = buildView(abs(hours), NOW);
    assert.deepEqual([v.rollup, v.stepSec], [rollup, step], `${hours} h`);
    if (v.rollup === '5m') assert.equal(v.stepSec % 300, 0, `${hours} h: whole 5-minute buckets`);
  }
});

test('event filters: ids and level map to catalog ids; unknown ids match nothing', () => {
  assert.deepEqual(eventIdsFor({}), []);
  assert.deepEqual(eventIdsFor({ event: '105' }), [105]);
  assert.deepEqual(eventIdsFor({ level: 'error' }), [400, 401, 402, 403]);
  assert.deepEqual(eventIdsFor({ event: '105,400', level: 'error' }), [400]);
  assert.deepEqual(buildView({ event: '999' }, NOW).eventFilters.eventIds, [0]);
  assert.equal(buildView({ node: 'gw-01', ws: ' ' }, NOW).eventFilters.nodeId, 'gw-01');
  assert.equal(buildView({ node: 'gw-01', ws: ' ' }, NOW).eventFilters.workspaceId, '');
});

test('withParams keeps other params and removes emptied ones', () => {
  assert.equal(
    withParams(new URLSearchParams('range=1h&node=a'), { node: undefined, ws: 'w' }),
    '?range=1h&ws=w',
  );
});

test('pivot fills every bucket with 0 and puts "others" last', () => {
  const { data, keys } = pivot(
    [
      { t: 60_000, series: 'others', value: 9 },
      { t: 0, series: 'a', value: 1 },
      { t: 120_000, series: 'b', value: 5 },
    ],
    0,
    180_000,
    60,
  );
  assert.deepEqual(keys, ['b', 'a', 'others']);
  assert.deepEqual(data, [
    { t: 0, b: 0, a: 1, others: 0 },
    { t: 60_000, b: 0, a: 0, others: 9 },
    { t: 120_000, b: 5, a: 0, others: 0 },
  ]);
});

test('CSV quotes separators and neutralises spreadsheet formulas', () => {
  const csv = toCsv(
    [
      { key: 'a', label: 'A' },
      { key: 'b', label: 'B, "quoted"' },
    ],
    [
      { a: '=cmd()', b: 'x,y' },
      { a: -3, b: null },
    ],
  );
  assert.equal(csv, `A,"B, ""quoted"""\r\n'=cmd(),"x,y"\r\n-3,\r\n`);
});

test('unusable URL values become notices naming what is shown instead; links carry the range shown', () => {
  const bad = buildView({ range: '2h', event: '105,999,abc', ws: 'w'.repeat(300) }, NOW);
  assert.equal(bad.range.relative, '24h');
  assert.deepEqual(bad.notices, [
    { kind: 'range', value: '2h' },
    { kind: 'event', value: '999' },
    { kind: 'event', value: 'abc' },
    { kind: 'long', param: 'ws', length: 300 },
  ]);
  assert.equal(bad.params.range, '24h');
  assert.equal(bad.filters.ws?.length, 256);
  const garbage = buildView({ from: 'yesterday', to: '2026-11-25T00:00:00Z' }, NOW);
  assert.deepEqual(garbage.notices, [{ kind: 'time', param: 'from', value: 'yesterday' }]);
  assert.equal(garbage.params.from ?? '', '');
  const half = buildView({ from: '2026-11-25T00:00:00Z' }, NOW);
  assert.deepEqual(half.notices, [{ kind: 'time', param: 'to', value: '' }]);
  const order = buildView({ from: '2026-11-25T02:00:00Z', to: '2026-11-25T01:00:00Z' }, NOW);
  assert.deepEqual(order.notices, [
    { kind: 'order', from: '2026-11-25T02:00:00Z', to: '2026-11-25T01:00:00Z' },
  ]);
  assert.deepEqual(buildView({ range: '1h', event: '105' }, NOW).notices, []);
  // A missing range uses the fallback without a notice (the page picks one that fits the data).
  const fitted = buildView({}, NOW, '1h');
  assert.equal(fitted.range.relative, '1h');
  assert.deepEqual(fitted.notices, []);
});
