'use client';
import { useTranslations } from 'next-intl';
import { useEffect, useState } from 'react';

type Theme = 'light' | 'dark';

/** Dark/light switch, persisted in localStorage (the inline script in the layout applies it before paint). */
export function ThemeToggle() {
  const t = useTranslations('theme');
  const [theme, setTheme] = useState<Theme | null>(null);
  useEffect(() => {
    setTheme(document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light');
  }, []);
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      data-testid="theme-toggle"
      aria-label={next === 'dark' ? t('toDark') : t('toLight')}
      title={next === 'dark' ? t('toDark') : t('toLight')}
      onClick={() => {
        document.documentElement.dataset.theme = next;
        try {
          localStorage.setItem('gatewatch-theme', next);
        } catch {
          // storage disabled: the theme still applies for this page view
        }
        setTheme(next);
      }}
    >
      {theme === 'dark' ? t('light') : t('dark')}
    </button>
  );
}
