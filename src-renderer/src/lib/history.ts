/**
 * The Playground's recent questions, kept per schema in localStorage: the same
 * schema pasted again brings its questions back. Schemas are keyed by a hash of
 * their text with whitespace collapsed.
 */
const KEY = 'sqlora.playground.history';
const PER_SCHEMA = 20;
const SCHEMAS = 50;

type Store = Record<string, string[]>;

/** FNV-1a, 32 bits: a short stable key, not a security measure. */
function schemaKey(schema: string): string {
  let h = 0x811c9dc5;
  for (const c of schema.replace(/\s+/g, ' ').trim()) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  // A letter first: integer-like keys would lose their insertion order in the object.
  return `s${(h >>> 0).toString(16)}`;
}

function load(): Store {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') as Store;
  } catch {
    return {};
  }
}

export function questionsFor(schema: string): string[] {
  return load()[schemaKey(schema)] ?? [];
}

/** Put a question first in its schema's history; the oldest schemas are forgotten past a limit. */
export function remember(schema: string, question: string): string[] {
  const store = load();
  const key = schemaKey(schema);
  const list = [question, ...(store[key] ?? []).filter((q) => q !== question)].slice(0, PER_SCHEMA);
  delete store[key];
  store[key] = list;
  const keys = Object.keys(store);
  for (const old of keys.slice(0, Math.max(0, keys.length - SCHEMAS))) delete store[old];
  localStorage.setItem(KEY, JSON.stringify(store));
  return list;
}
