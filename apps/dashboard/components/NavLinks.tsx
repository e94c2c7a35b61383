'use client';
import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { useTranslations } from 'next-intl';
import { NAV } from '../lib/nav.ts';

/** Main navigation; keeps the time range (not page-specific filters) when switching pages. */
export function NavLinks() {
  const pathname = usePathname();
  const sp = useSearchParams();
  const t = useTranslations('nav');
  const keep = new URLSearchParams();
  for (const k of ['range', 'from', 'to', 'refresh']) {
    const v = sp.get(k);
    if (v) keep.set(k, v);
  }
  const qs = keep.toString() ? `?${keep}` : '';
  return (
    <nav className="main" aria-label={t('label')}>
      <ul>
        {NAV.map((item) => {
          const active = item.href === '/' ? pathname === '/' : pathname.startsWith(item.href);
          return (
            <li key={item.href}>
              <Link href={`${item.href}${qs}`} aria-current={active ? 'page' : undefined}>
                {t(item.key)}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
