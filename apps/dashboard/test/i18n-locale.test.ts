import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LOCALE, LOCALES, localeFromAcceptLanguage, resolveLocale } from '../i18n/locales.ts';

test('Accept-Language picks the closest of the 16 catalogs', () => {
  const cases: [string, string][] = [
    ['zh-TW', 'zh-Hant'],
    ['zh-HK', 'zh-Hant'],
    ['zh-Hant-CN', 'zh-Hant'],
    ['zh-CN', 'zh-Hans'],
    ['zh', 'zh-Hans'],
    ['zh-SG', 'zh-Hans'],
    ['pt', 'pt-BR'],
    ['pt-BR', 'pt-BR'],
    ['pt-PT', 'pt-PT'],
    ['es-MX', 'es'],
    ['de-AT', 'de'],
    ['en-GB', 'en'],
    ['fr-CA,fr;q=0.9,en;q=0.8', 'fr'],
    ['ja-JP', 'ja'],
    ['ko-KR', 'ko'],
    ['cs-CZ', 'cs'],
    ['nl-BE', 'nl'],
    ['hu-HU', 'hu'],
    ['it-CH', 'it'],
    ['pl-PL', 'pl'],
    ['ru-RU', 'ru'],
  ];
  for (const [header, want] of cases) assert.equal(localeFromAcceptLanguage(header), want, header);
});

test('quality values order the preferences; q=0 excludes a language', () => {
  assert.equal(localeFromAcceptLanguage('de;q=0.5, ja;q=0.9'), 'ja');
  assert.equal(localeFromAcceptLanguage('ja;q=0, de;q=0.5'), 'de');
});

test('an unknown language falls to the next listed one of ours, else English — never to a neighbour', () => {
  assert.equal(localeFromAcceptLanguage('sv, de;q=0.8'), 'de');
  assert.equal(localeFromAcceptLanguage('sv'), 'en');
  // CLDR deems Russian close enough for Ukrainian and Belarusian readers; we do not guess.
  assert.equal(localeFromAcceptLanguage('uk'), 'en');
  assert.equal(localeFromAcceptLanguage('be-BY'), 'en');
  assert.equal(localeFromAcceptLanguage('uk, ru;q=0.5'), 'ru');
});

test('missing or malformed headers give English', () => {
  for (const h of [undefined, null, '', '*', 'en_US', ';;;', 'x', '123']) {
    assert.equal(localeFromAcceptLanguage(h), DEFAULT_LOCALE, String(h));
  }
});

test('the menu cookie wins when it names a catalog, and is ignored otherwise', () => {
  assert.equal(resolveLocale('ko', 'de'), 'ko');
  assert.equal(resolveLocale('zh-Hant', 'en'), 'zh-Hant');
  assert.equal(resolveLocale('klingon', 'de'), 'de');
  assert.equal(resolveLocale('zh-TW', 'ja'), 'ja'); // the cookie holds catalog names only
  assert.equal(resolveLocale(undefined, undefined), 'en');
  for (const l of LOCALES) assert.equal(resolveLocale(l, 'ru'), l);
});
