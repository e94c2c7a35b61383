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

/** Named formats: `format.dateTime(d, 'datetime')`, `{at, date, datetime}` in messages. */
export const formats = {
  dateTime: {
    datetime: {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    },
    minute: { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' },
    minuteUtc: { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' },
    date: { year: 'numeric', month: 'short', day: 'numeric' },
    time: { hour: '2-digit', minute: '2-digit', second: '2-digit' },
  },
  number: {
    percent: { style: 'percent', maximumFractionDigits: 1 },
    compact: { notation: 'compact', maximumFractionDigits: 1 },
  },
} as const;
