import type en from '../messages/en.json';
import type { Locale } from './locales.ts';
import type { formats } from './request.ts';

// Typed keys: `t('nav.alerts')` with a key missing from en.json fails `tsc`.
declare module 'next-intl' {
  interface AppConfig {
    Locale: Locale;
    Messages: typeof en;
    Formats: typeof formats;
  }
}
