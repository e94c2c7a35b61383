'use server';
import { cookies } from 'next/headers';
import { isLocale, LOCALE_COOKIE, LOCALES } from './locales.ts';

/** The language menu's choice, kept for a year; Next.js re-renders the current URL in the new language. */
export async function setLocale(locale: string): Promise<void> {
  if (!isLocale(locale)) throw new Error(`unknown language "${locale}": pick one of ${LOCALES.join(', ')}`);
  (await cookies()).set(LOCALE_COOKIE, locale, { path: '/', maxAge: 365 * 24 * 3600, sameSite: 'lax' });
}
