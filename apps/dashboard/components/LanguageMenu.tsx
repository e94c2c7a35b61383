'use client';
import { useLocale, useTranslations } from 'next-intl';
import { useTransition } from 'react';
import { setLocale } from '../i18n/actions.ts';
import { LOCALE_NAMES, LOCALES } from '../i18n/locales.ts';

/** Language menu: stores the choice in a cookie; the page re-renders in place (same URL, range, filters). */
export function LanguageMenu() {
  const locale = useLocale();
  const t = useTranslations('language');
  const [pending, startTransition] = useTransition();
  return (
    <select
      className="lang"
      data-testid="language-menu"
      aria-label={t('label')}
      value={locale}
      disabled={pending}
      onChange={(e) => {
        const next = e.target.value;
        startTransition(() => setLocale(next));
      }}
    >
      {LOCALES.map((l) => (
        <option key={l} value={l} lang={l}>
          {LOCALE_NAMES[l]}
        </option>
      ))}
    </select>
  );
}
