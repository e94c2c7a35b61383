import { headers } from 'next/headers';
import type { ReactNode } from 'react';
import { ROLE_HEADER } from '../../src/auth.ts';

/**
 * Editing controls for editors only (proxy.ts sets the role; it also refuses a viewer's writes). A viewer
 * sees a note instead, or nothing with `quiet` (e.g. a button in every table row).
 */
export async function EditorOnly({ children, quiet = false }: { children: ReactNode; quiet?: boolean }) {
  if ((await headers()).get(ROLE_HEADER) === 'editor') return children;
  return quiet ? null : (
    <p className="sub" data-testid="read-only">
      read-only: editor credential needed
    </p>
  );
}
