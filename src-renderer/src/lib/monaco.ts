import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/languages/definitions/sql/register';
// The bare editor API has no contributions: take the ones a SQL box needs.
import 'monaco-editor/editor/contrib/suggest/browser/suggestController';
import 'monaco-editor/features/suggest/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/bracketMatching/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/contextmenu/register';
import 'monaco-editor/features/hover/register';
import 'monaco-editor/features/wordHighlighter/register';
import 'monaco-editor/features/diffEditor/register';
import 'monaco-editor/features/codicon/register';
import 'monaco-editor/features/placeholderText/register';
// Bundled by Vite as a worker file of the app: no CDN, works offline.
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import { contextSchema } from '../../../src-main/data/sql-text';

/**
 * Monaco for SQL, loaded on demand (it is most of the renderer's weight): the SQL
 * language, themes drawn from the app's palette, and completion of table and column
 * names from a schema text that each editor names.
 */
self.MonacoEnvironment = { getWorker: () => new EditorWorker() };

/**
 * Monaco's own light or dark theme on the app's surface, with the colours that fall
 * short of WCAG AA contrast there replaced (SQL strings are pure red in both; numbers
 * and the placeholder are too pale in light). Call after the app's theme is applied:
 * it reads the CSS variables.
 */
export function applyEditorTheme(theme: 'light' | 'dark'): void {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim();
  const name = `sqlora-${theme}`;
  monaco.editor.defineTheme(name, {
    base: theme === 'dark' ? 'vs-dark' : 'vs',
    inherit: true,
    rules: theme === 'light' ? [{ token: 'number', foreground: '0b6b47' }, { token: 'string.sql', foreground: 'a31515' }] : [{ token: 'string.sql', foreground: 'ce9178' }],
    colors: { 'editor.background': v('--surface'), 'editor.placeholder.foreground': v('--text-muted') },
  });
  monaco.editor.setTheme(name);
}

/** Where each editor's completions come from, by model URI; editors not listed complete from their own text. */
const schemaSources = new Map<string, () => string>();

export function completeFrom(model: monaco.editor.ITextModel, schema: () => string): () => void {
  const key = model.uri.toString();
  schemaSources.set(key, schema);
  return () => schemaSources.delete(key);
}

/** Table aliases in a query: FROM orders o, JOIN customers AS c. */
function aliases(sql: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of sql.matchAll(/\b(?:FROM|JOIN)\s+([\w$]+)(?:\s+(?:AS\s+)?([\w$]+))?/gi)) {
    if (m[2] && !/^(WHERE|ON|JOIN|LEFT|RIGHT|INNER|OUTER|CROSS|GROUP|ORDER|LIMIT|USING|NATURAL|UNION|HAVING)$/i.test(m[2])) found.set(m[2].toLowerCase(), m[1]);
  }
  return found;
}

monaco.languages.registerCompletionItemProvider('sql', {
  triggerCharacters: ['.'],
  provideCompletionItems(model, position) {
    const schema = contextSchema(schemaSources.get(model.uri.toString())?.() ?? model.getValue());
    const word = model.getWordUntilPosition(position);
    const range = { startLineNumber: position.lineNumber, endLineNumber: position.lineNumber, startColumn: word.startColumn, endColumn: word.endColumn };
    const before = model.getLineContent(position.lineNumber).slice(0, word.startColumn - 1);
    const qualifier = /([\w$]+)\.$/.exec(before)?.[1];
    const { Field, Class } = monaco.languages.CompletionItemKind;
    if (qualifier) {
      // After "t." offer only t's columns (t a table or an alias of one).
      const table = aliases(model.getValue()).get(qualifier.toLowerCase()) ?? qualifier;
      const columns = schema.find((t) => t.name.toLowerCase() === table.toLowerCase())?.columns ?? [];
      return { suggestions: columns.map((c) => ({ label: c, kind: Field, insertText: c, detail: `column of ${table}`, range })) };
    }
    const tables = schema.map((t) => ({ label: t.name, kind: Class, insertText: t.name, detail: `table (${t.columns.join(', ')})`, range }));
    const columns = [...new Set(schema.flatMap((t) => t.columns))].map((c) => ({
      label: c,
      kind: Field,
      insertText: c,
      detail: `column of ${schema.filter((t) => t.columns.includes(c)).map((t) => t.name).join(', ')}`,
      range,
    }));
    return { suggestions: [...tables, ...columns] };
  },
});

export { monaco };
