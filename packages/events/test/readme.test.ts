import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { catalogMarkdown, withCatalog } from '../src/markdown.ts';

test('the README event table is the catalog (run `npm run docs` after changing the catalog)', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  assert.equal(withCatalog(readme), readme);
  assert.ok(readme.includes(catalogMarkdown()));
  assert.match(catalogMarkdown(), /\| 105 \| warning \| `destination_not_allowed` \|/);
});
