import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

/**
 * User-visible English must come from messages/*.json: this scans every .tsx under app/ and components/
 * for JSX text and for string literals in text-bearing attributes or JSX expressions.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const DIRS = ['app', 'components'];
/** Attributes a user reads (or hears through a screen reader), and the panels' own text props. */
const TEXT_ATTRS = new Set([
  ...['title', 'aria-label', 'aria-description', 'placeholder', 'alt', 'label'],
  ...['hint', 'empty', 'note', 'sub'],
]);
/** Brand and time zone names, not translated. */
const ALLOWED = new Set(['Gatewatch', 'UTC']);

function tsxFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsxFiles(join(dir, e.name)) : e.name.endsWith('.tsx') ? [join(dir, e.name)] : [],
  );
}

/** Commands, file names and ids shown as code stay verbatim in every language. */
const VERBATIM = new Set(['code', 'kbd', 'samp']);

const hasWords = (s: string) => {
  const words = s.replace(/&\w+;/g, ' ').match(/\p{L}{2,}/gu) ?? [];
  return words.some((w) => !ALLOWED.has(w));
};

function insideVerbatim(n: ts.Node): boolean {
  const el = n.parent;
  return ts.isJsxElement(el) && VERBATIM.has(el.openingElement.tagName.getText());
}

/** The text of a string-ish expression: 'x', `x`, `a${b}c` (its literal parts). */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node))
    return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ');
  if (ts.isParenthesizedExpression(node)) return literalText(node.expression);
  if (ts.isConditionalExpression(node)) {
    const parts = [literalText(node.whenTrue), literalText(node.whenFalse)].filter((p) => p !== undefined);
    return parts.length ? parts.join(' ') : undefined;
  }
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.BarBarToken)
    return literalText(node.right);
  return undefined;
}

export function findLiterals(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const at = (n: ts.Node, text: string) => {
    const { line } = sf.getLineAndCharacterOfPosition(n.getStart());
    found.push(`${file}:${line + 1}: ${JSON.stringify(text.trim().replace(/\s+/g, ' '))}`);
  };
  const visit = (n: ts.Node) => {
    if (ts.isJsxText(n) && hasWords(n.text) && !insideVerbatim(n)) at(n, n.text);
    if (ts.isJsxAttribute(n) && TEXT_ATTRS.has(n.name.getText()) && n.initializer) {
      const init = n.initializer;
      const text = ts.isStringLiteral(init)
        ? init.text
        : ts.isJsxExpression(init) && init.expression
          ? literalText(init.expression)
          : undefined;
      if (text !== undefined && hasWords(text)) at(n, text);
    }
    if (
      ts.isJsxExpression(n) &&
      n.expression &&
      (ts.isJsxElement(n.parent) || ts.isJsxFragment(n.parent)) &&
      !insideVerbatim(n)
    ) {
      const text = literalText(n.expression);
      if (text !== undefined && hasWords(text)) at(n, text);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

test('the scan finds JSX text, text attributes and literal children', () => {
  const src = `const a = <p title="Hello there">Some text {'more words'} {x ? 'yes' : 'no'}<b aria-label={\`Last \${r}\`} className="not-checked" /></p>;`;
  assert.deepEqual(
    findLiterals('x.tsx', src).map((s) => s.replace(/^x\.tsx:\d+: /, '')),
    ['"Hello there"', '"Some text"', '"more words"', '"yes no"', '"Last"'],
  );
  assert.deepEqual(
    findLiterals(
      'x.tsx',
      `const a = <p title={t('k')}>{t('k')} Gatewatch · 42 →&nbsp;<code>npm start</code></p>;`,
    ),
    [],
  );
});

test('no hard-coded English in app/ and components/', () => {
  const found = DIRS.flatMap((d) =>
    tsxFiles(join(ROOT, d)).flatMap((f) => findLiterals(relative(ROOT, f), readFileSync(f, 'utf8'))),
  );
  assert.deepEqual(found, [], `move these texts into messages/*.json:\n${found.join('\n')}`);
});
