import { match } from '@formatjs/intl-localematcher';
import Negotiator from 'negotiator';

/** The 16 languages of the original gateway; `en` is the source catalog and the fallback. */
export const LOCALES = [
  'en',
  'de',
  'zh-Hans',
  'zh-Hant',
  'pt-BR',
  'pt-PT',
  'es',
  'cs',
  'nl',
  'fr',
  'hu',
  'it',
  'ja',
  'ko',
  'pl',
  'ru',
] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** Cookie holding the language picked in the menu (wins over Accept-Language). */
export const LOCALE_COOKIE = 'gatewatch_locale';

/** Each language in its own words, for the language menu. */
export const LOCALE_NAMES: Record<Locale, string> = {
  en: 'English',
  de: 'Deutsch',
  'zh-Hans': '简体中文',
  'zh-Hant': '繁體中文',
  'pt-BR': 'Português (Brasil)',
  'pt-PT': 'Português (Portugal)',
  es: 'Español',
  cs: 'Čeština',
  nl: 'Nederlands',
  fr: 'Français',
  hu: 'Magyar',
  it: 'Italiano',
  ja: '日本語',
  ko: '한국어',
  pl: 'Polski',
  ru: 'Русский',
};

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

const LANGUAGES = new Set(LOCALES.map((l) => l.split('-')[0]));

/**
 * Tags of a language we ship. Intl rejects malformed ones (`en_US`, `*`); other languages are dropped so
 * that they fall back to English, not to a neighbour CLDR deems close enough (Ukrainian → Russian).
 */
function shippedLanguages(tags: string[]): string[] {
  return tags.filter((tag) => {
    try {
      return LANGUAGES.has(new Intl.Locale(tag).language);
    } catch {
      return false;
    }
  });
}

/**
 * The catalog for an `Accept-Language` header: quality values parsed by `negotiator`, the best match
 * among LOCALES by CLDR language distance (`zh-TW`/`zh-HK` → zh-Hant, `zh`/`zh-CN` → zh-Hans,
 * `pt` → pt-BR), `en` when none of the listed languages is one of ours.
 */
export function localeFromAcceptLanguage(header: string | null | undefined): Locale {
  if (!header) return DEFAULT_LOCALE;
  const requested = shippedLanguages(new Negotiator({ headers: { 'accept-language': header } }).languages());
  if (requested.length === 0) return DEFAULT_LOCALE;
  const best = match(requested, LOCALES, DEFAULT_LOCALE);
  return isLocale(best) ? best : DEFAULT_LOCALE;
}

/** The menu's cookie when it names one of the 16, else the browser's languages. */
export function resolveLocale(cookie: string | undefined, acceptLanguage: string | null | undefined): Locale {
  return isLocale(cookie) ? cookie : localeFromAcceptLanguage(acceptLanguage);
}
