import type { Metadata } from 'next';
import { NextIntlClientProvider } from 'next-intl';
import { getLocale, getMessages, getTranslations } from 'next-intl/server';
import type { ReactNode } from 'react';
import { Suspense } from 'react';
import { LanguageMenu } from '../components/LanguageMenu.tsx';
import { NavLinks } from '../components/NavLinks.tsx';
import { ThemeToggle } from '../components/ThemeToggle.tsx';
import { Toolbar } from '../components/Toolbar.tsx';
import './globals.css';

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations('meta');
  return { title: { default: 'Gatewatch', template: '%s · Gatewatch' }, description: t('description') };
}

/**
 * The namespaces client components use ('use client' files: nav, toolbar, tables, filters, alerts forms,
 * error and not-found pages); only these go to the browser, server components read the rest on the server.
 * A client component with a new namespace: add it here (else its texts show as keys).
 */
const CLIENT_NAMESPACES = new Set([
  ...['nav', 'toolbar', 'theme', 'language', 'errorPage', 'table', 'filters', 'reasons', 'common'],
  ...['alerts', 'node'],
]);

// Runs before first paint so a stored (or OS) dark theme never flashes light.
const themeScript = `try{var t=localStorage.getItem('gatewatch-theme');if(t!=='light'&&t!=='dark'){t=matchMedia('(prefers-color-scheme: dark)').matches?'dark':'light'}document.documentElement.dataset.theme=t}catch(e){}`;

export default async function RootLayout({ children }: { children: ReactNode }) {
  const locale = await getLocale();
  const t = await getTranslations('layout');
  const clientMessages = Object.fromEntries(
    Object.entries(await getMessages()).filter(([namespace]) => CLIENT_NAMESPACES.has(namespace)),
  );
  return (
    <html lang={locale} suppressHydrationWarning>
      <head>
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: constant inline script, no user input */}
        <script dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body>
        <NextIntlClientProvider messages={clientMessages}>
          <a className="skip" href="#content">
            {t('skipToContent')}
          </a>
          <header className="top">
            <a className="brand" href="/">
              Gatewatch
            </a>
            <Suspense fallback={null}>
              <NavLinks />
            </Suspense>
            <div className="toolbar">
              <Suspense fallback={null}>
                <Toolbar />
              </Suspense>
              <LanguageMenu />
              <ThemeToggle />
            </div>
          </header>
          <main id="content">{children}</main>
        </NextIntlClientProvider>
      </body>
    </html>
  );
}
