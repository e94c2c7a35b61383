/** `npm run docs`: regenerate the README's event-catalog table from the catalog (the one source of truth). */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withCatalog } from '../src/markdown.ts';

const readme = fileURLToPath(new URL('../../../README.md', import.meta.url));
const before = readFileSync(readme, 'utf8');
const after = withCatalog(before);
writeFileSync(readme, after);
process.stdout.write(
  before === after ? 'README event catalog already up to date\n' : 'README event catalog updated\n',
);
