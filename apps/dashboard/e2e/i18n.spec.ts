import { readFileSync } from 'node:fs';
import type { Browser, Page } from '@playwright/test';
import { createTranslator } from 'next-intl';
import { LOCALE_NAMES, LOCALES, type Locale } from '../i18n/locales.ts';
import { expect, screenshot, test } from './fixtures.ts';

/**
 * The dashboard in each of the 16 languages, chosen by Accept-Language as a browser sends it; the language
 * menu keeps the page, range and filters. One browser, a context per language (no rebuild per language).
 */
type Tree = { [key: string]: string | Tree };
const catalog = (locale: string): Tree =>
  JSON.parse(readFileSync(new URL(`../messages/${locale}.json`, import.meta.url), 'utf8'));
const keys = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`),
  );
const KEYS = new Set(keys(catalog('en')));

/** What a browser of that language sends (the catalog names are not all browser tags). */
const ACCEPT: Record<Locale, string> = {
  ...(Object.fromEntries(LOCALES.map((l) => [l, `${l},en;q=0.5`])) as Record<Locale, string>),
  'zh-Hans': 'zh-CN,zh;q=0.9,en;q=0.5',
  'zh-Hant': 'zh-TW,zh;q=0.9,en;q=0.5',
};
const SCREENSHOTS: readonly Locale[] = ['de', 'ja', 'ru', 'zh-Hans'];

async function localePage(browser: Browser, locale: Locale): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({
    locale,
    extraHTTPHeaders: { 'accept-language': ACCEPT[locale] },
    timezoneId: 'UTC',
    viewport: { width: 1440, height: 900 },
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return { page, errors };
}

/** Catalog keys shown instead of a text (next-intl prints the key of a missing or broken message). */
async function leakedKeys(page: Page): Promise<string[]> {
  const texts = await page.evaluate(() => {
    const attrs = [...document.querySelectorAll('[title],[aria-label],[placeholder],[alt]')].flatMap((el) =>
      ['title', 'aria-label', 'placeholder', 'alt'].map((a) => el.getAttribute(a) ?? ''),
    );
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text; textContent includes the scripts' RSC payload, which carries the catalogs
    return [document.title, document.body.innerText, ...attrs].join('\n');
  });
  return [...texts.matchAll(/\b[a-z]+(\.[a-zA-Z0-9]+)+\b/g)].map((m) => m[0]).filter((k) => KEYS.has(k));
}

/** Elements of the top bar, tiles and panel headers whose text does not fit their box. */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [
      ...document.querySelectorAll(
        'header.top, header.top a, header.top button, header.top select, header.top summary, header.top label, .stat .label, .stat .value, .panel-head h2, .panel-head .hint, h1, p.sub',
      ),
    ]
      .filter((el) => el.scrollWidth > el.clientWidth + 1)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${(el.textContent ?? '').slice(0, 60)}`),
  );
}

// The screenshot languages first, while the seeded nodes are still fresh (their status ages with the clock).
const ORDER = [...SCREENSHOTS, ...LOCALES.filter((l) => !SCREENSHOTS.includes(l))];
for (const locale of ORDER) {
  test(`${locale}: overview and Event 105 in ${LOCALE_NAMES[locale]}`, async ({ browser }) => {
    const { page, errors } = await localePage(browser, locale);
    const messages = catalog(locale) as { nav: { alerts: string }; overview: { title: string } };
    for (const path of ['/?range=24h', '/investigate?range=24h']) {
      await page.goto(path);
      await expect(page.locator('html')).toHaveAttribute('lang', locale);
      await expect(
        page.getByRole('navigation').first().getByRole('link', { name: messages.nav.alerts }),
      ).toBeVisible();
      await expect(page.getByRole('heading', { level: 1 })).not.toHaveText('');
      expect(await leakedKeys(page), `${path}: catalog keys shown as text`).toEqual([]);
    }
    await page.goto('/?range=24h');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(messages.overview.title);
    await expect(page.getByTestId('chart-active')).toBeVisible();
    expect(await overflowing(page), 'text wider than its box').toEqual([]);
    if (SCREENSHOTS.includes(locale)) await screenshot(page, `overview-${locale}`, true);
    expect(errors, 'no console errors').toEqual([]);
    await page.context().close();
  });
}

test('unknown languages get English; the menu switches language in place and the choice survives a reload', async ({
  browser,
}) => {
  const context = await browser.newContext({ extraHTTPHeaders: { 'accept-language': 'sv-SE,sv;q=0.9' } });
  const page = await context.newPage();
  const path = '/events?range=6h&level=error';
  await page.goto(path);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.getByTestId('language-menu').selectOption('de');
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  const de = catalog('de') as { nav: { alerts: string }; filters: { fields: { level: string } } };
  const t = createTranslator({ locale: 'de', messages: catalog('de') as never }) as unknown as (
    key: string,
    values: Record<string, unknown>,
  ) => string;
  await expect(page.getByRole('link', { name: de.nav.alerts })).toBeVisible();
  // Same page, range and filters: only the language changed.
  expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(path);
  await expect(page.getByLabel(de.filters.fields.level)).toHaveValue('error');
  await expect(page.locator('fieldset.seg button[aria-pressed="true"]')).toHaveAttribute(
    'aria-label',
    t('toolbar.lastRange', { count: 6, unit: 'hour' }),
  );
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page.getByTestId('language-menu')).toHaveValue('de');
  // The cookie wins over Accept-Language on other pages too.
  await page.goto('/investigate?range=6h');
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await context.close();
});
