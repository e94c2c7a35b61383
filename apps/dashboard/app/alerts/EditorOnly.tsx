import { headers } from 'next/headers';
import { getTranslations } from 'next-intl/server';
import type { ReactNode } from 'react';
import { ROLE_HEADER } from '../../src/auth.ts';

/**
 * Editing controls for editors only (proxy.ts sets the role; it also refuses a viewer's writes). A viewer
 * sees a note instead, or nothing with `quiet` (e.g. a button in every table row).
 */
export async function EditorOnly({ children, quiet = false }: { children: ReactNode; quiet?: boolean }) {
  if ((await headers()).get(ROLE_HEADER) === 'editor') return children;
  if (quiet) return null;
  const t = await getTranslations('access');
  return (
    <p className="sub" data-testid="read-only">
      {t('readOnly')}
    </p>
  );
}
