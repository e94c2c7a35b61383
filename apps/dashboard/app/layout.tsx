import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Suspense } from 'react';
import { NavLinks } from '../components/NavLinks.tsx';
import { ThemeToggle } from '../components/ThemeToggle.tsx';
import { Toolbar } from '../components/Toolbar.tsx';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Gatewatch', template: '%s · Gatewatch' },
  description: 'Fleet dashboard for Gatewatch gateways',
};

// Runs before first paint so a stored (or OS) dark theme never flashes light.
const themeScript = `try{var t=localStorage.getItem('gatewatch-theme');if(t!=='light'&&t!=='dark'){t=matchMedia('(prefers-color-scheme: dark)').matches?'dark':'light'}document.documentElement.dataset.theme=t}catch(e){}`;

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: constant inline script, no user input */}
        <script dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body>
        <a className="skip" href="#content">
          Skip to content
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
            <ThemeToggle />
          </div>
        </header>
        <main id="content">{children}</main>
      </body>
    </html>
  );
}
