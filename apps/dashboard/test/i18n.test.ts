import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser';
import { catalogEntry, REJECTION_REASONS } from '@gatewatch/events';
import { createTranslator } from 'next-intl';
import { eventText, REMEDY_COMMANDS } from '../i18n/events.ts';
import { LOCALES } from '../i18n/locales.ts';

type Tree = { [key: string]: string | Tree };
const catalog = (locale: string): Tree =>
  JSON.parse(readFileSync(new URL(`../messages/${locale}.json`, import.meta.url), 'utf8'));

function flatten(tree: Tree, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === 'string') out.set(`${prefix}${k}`, v);
    else flatten(v, `${prefix}${k}.`, out);
  }
  return out;
}

const en = flatten(catalog('en'));
const others = LOCALES.filter((l) => l !== 'en').map((l) => [l, flatten(catalog(l))] as const);

/**
 * Words a translation may share with English: names, units and the few UI words that are the same in other
 * languages (German "Status", French "Message", OpenTelemetry "Span"). A value identical to English made of
 * other words is an untranslated copy.
 */
const SAME_AS_ENGLISH = new Set([
  ...['Gatewatch', 'CSV', 'TLS', 'SNI', 'UTC', 'ID', 'min'],
  ...['Host', 'Hosts', 'Client', 'Clients', 'clients', 'Workspace', 'Trace', 'Status', 'Version'],
  ...['Description', 'Message', 'Filters', 'Span', 'Spans', 'Service', 'Agent', 'Agents'],
  ...['Error', 'Condition', 'Instance', 'Matchers', 'Alert'],
]);

test('every catalog has exactly the keys of en.json', () => {
  for (const [locale, messages] of others) {
    const missing = [...en.keys()].filter((k) => !messages.has(k));
    const extra = [...messages.keys()].filter((k) => !en.has(k));
    assert.deepEqual(missing, [], `${locale}.json misses keys of en.json`);
    assert.deepEqual(extra, [], `${locale}.json has keys en.json lacks`);
  }
});

test('no translation is an English copy, empty or a placeholder', () => {
  for (const [locale, messages] of others) {
    for (const [key, value] of messages) {
      assert.ok(value.trim(), `${locale}: ${key} is empty`);
      assert.doesNotMatch(value, /\b(TODO|FIXME|TBD|XXX)\b/, `${locale}: ${key}`);
      if (value !== en.get(key)) continue;
      const words = value.replace(/\{[^{}]*\}/g, '').match(/\p{L}{2,}/gu) ?? [];
      assert.ok(
        words.every((w) => SAME_AS_ENGLISH.has(w)),
        `${locale}: ${key} is identical to English: ${JSON.stringify(value)}`,
      );
    }
  }
});

interface Shape {
  args: Set<string>;
  tags: Set<string>;
  plurals: { arg: string; options: string[] }[];
}

function shape(message: string, into: Shape = { args: new Set(), tags: new Set(), plurals: [] }): Shape {
  const walk = (els: MessageFormatElement[]) => {
    for (const el of els) {
      if (
        el.type === TYPE.argument ||
        el.type === TYPE.number ||
        el.type === TYPE.date ||
        el.type === TYPE.time
      )
        into.args.add(el.value);
      if (el.type === TYPE.tag) {
        into.tags.add(el.value);
        walk(el.children);
      }
      if (el.type === TYPE.select || el.type === TYPE.plural) {
        into.args.add(el.value);
        if (el.type === TYPE.plural) into.plurals.push({ arg: el.value, options: Object.keys(el.options) });
        for (const o of Object.values(el.options)) walk(o.value);
      }
    }
  };
  walk(parse(message));
  return into;
}

/** Plural categories whole counts reach in a language (en: one, other; ru: one, few, many, other). */
function categoriesOf(locale: string): string[] {
  const rules = new Intl.PluralRules(locale);
  const hit = new Set<string>(['other']);
  for (let n = 0; n <= 1000; n++) hit.add(rules.select(n));
  return [...hit].sort();
}

test('every message parses as ICU with the placeholders, tags and plural forms its language needs', () => {
  for (const [locale, messages] of [['en', en] as const, ...others]) {
    const needed = categoriesOf(locale);
    for (const [key, value] of messages) {
      let s: Shape;
      try {
        s = shape(value);
      } catch (err) {
        assert.fail(`${locale}: ${key} is not valid ICU (${(err as Error).message}): ${value}`);
      }
      const ref = shape(en.get(key) ?? '');
      assert.deepEqual(
        [...s.args].sort(),
        [...ref.args].sort(),
        `${locale}: ${key} placeholders differ from en`,
      );
      assert.deepEqual(
        [...s.tags].sort(),
        [...ref.tags].sort(),
        `${locale}: ${key} rich-text tags differ from en`,
      );
      for (const p of s.plurals) {
        const missing = needed.filter((c) => !p.options.includes(c));
        assert.deepEqual(
          missing,
          [],
          `${locale}: ${key} {${p.arg}, plural} lacks forms ${missing.join(', ')}`,
        );
      }
    }
  }
});

test('event texts: en.json says what packages/events says, every language keeps the commands verbatim', () => {
  const ids = [100, 101, 102, 103, 104, 105, 106, 107, 400, 401, 402, 403];
  for (const id of ids) {
    const entry = catalogEntry(id);
    const commands = REMEDY_COMMANDS[id] ?? [];
    let at = -1;
    for (const c of commands) {
      const next = entry.remedy.indexOf(c, at + 1);
      assert.ok(
        next > at,
        `${id}: command ${JSON.stringify(c)} is not (in this order) in the catalog's remedy`,
      );
      at = next;
    }
    assert.equal(
      (entry.remedy.match(/npm run /g) ?? []).length,
      commands.length,
      `${id}: a command is not listed`,
    );
    for (const locale of LOCALES) {
      const t = createTranslator({ locale, messages: catalog(locale) as never });
      const description = eventText(t, id, 'description');
      const remedy = entry.remedy ? eventText(t, id, 'remedy') : '';
      if (locale === 'en') {
        assert.equal(description, entry.description, `en.json events.${id}.description`);
        assert.equal(remedy, entry.remedy, `en.json events.${id}.remedy`);
      }
      for (const c of commands) assert.ok(remedy?.includes(c), `${locale}: events.${id}.remedy lacks ${c}`);
    }
    assert.equal(
      en.has(`events.${id}.remedy`),
      entry.remedy !== '',
      `events.${id}.remedy exists iff the catalog has one`,
    );
  }
});

test('rejection reason labels: en.json says what packages/events says', () => {
  for (const [code, { label }] of Object.entries(REJECTION_REASONS))
    assert.equal(en.get(`reasons.${code}`), label, code);
  assert.equal(
    [...en.keys()].filter((k) => k.startsWith('reasons.')).length,
    Object.keys(REJECTION_REASONS).length,
  );
});
