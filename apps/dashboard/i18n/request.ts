import { cookies, headers } from 'next/headers';
import { getRequestConfig } from 'next-intl/server';
import { LOCALE_COOKIE, resolveLocale } from './locales.ts';

/**
 * The locale of one request: the language menu's cookie, else the best match for Accept-Language.
 * No locale in the URL, so a shared link opens in the reader's own language.
 */
export default getRequestConfig(async () => {
  const locale = resolveLocale(
    (await cookies()).get(LOCALE_COOKIE)?.value,
    (await headers()).get('accept-language'),
  );
  return {
    locale,
    messages: (await import(`../messages/${locale}.json`)).default,
    // The dashboard shows UTC everywhere; only the notation follows the locale.
    timeZone: 'UTC',
    formats,
  };
});

/**
 * Named formats: `format.dateTime(d, 'datetime')`, `{at, date, datetime}` in messages. Times on a 24-hour
 * clock in every language (UTC operations times; also no AM/PM, whose spacing differs between the server's
 * and the browser's ICU and would break hydration).
 */
const clock = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;
export const formats = {
  dateTime: {
    datetime: { year: 'numeric', month: 'short', day: 'numeric', ...clock, second: '2-digit' },
    minute: { month: 'short', day: 'numeric', ...clock },
    minuteUtc: { month: 'short', day: 'numeric', ...clock, timeZoneName: 'short' },
    date: { year: 'numeric', month: 'short', day: 'numeric' },
    time: { ...clock, second: '2-digit' },
  },
  number: {
    percent: { style: 'percent', maximumFractionDigits: 1 },
    compact: { notation: 'compact', maximumFractionDigits: 1 },
  },
} as const;
