/**
 * The code that runs inside each sandbox worker thread, as source text: started with
 * `new Worker(source, { eval: true })` it needs no worker file to locate or transpile
 * under tsx, vitest or the electron-vite bundle. It only executes; refusals are decided
 * on the main side first (sql-lex.ts) and checked again here, comparisons and error
 * categories live in typed modules.
 *
 * Protocol: workerData = { sqlJsPath, wasmModule, heapLimitBytes }. The worker posts
 * {type:'ready'} once sql.js is up, then for every unit of a {type:'batch', units}
 * message posts {type:'result', id, result} in order, so the main side always knows
 * which unit a hang belongs to.
 */
export const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const initSqlJs = require(workerData.sqlJsPath);

// A second lock on the main side's door, on SQLite's own statement boundaries and its
// normalised text (no comments there to hide a keyword behind).
const REFUSED = /^\s*(?:EXPLAIN\s+(?:QUERY\s+PLAN\s+)?)?(ATTACH|DETACH|VACUUM)\b/i;
const PRAGMA = /^\s*(?:EXPLAIN\s+(?:QUERY\s+PLAN\s+)?)?PRAGMA\s+(?:[A-Za-z_][\w$]*\s*\.\s*)?([A-Za-z_][\w$]*)/i;
const READ_ONLY_PRAGMAS = new Set(['table_info', 'table_xinfo', 'index_list', 'index_info', 'index_xinfo', 'foreign_key_list']);

function checkStatement(sql) {
  const m = REFUSED.exec(sql);
  if (m) return m[1].toUpperCase() + ' is not allowed in the sandbox';
  const p = PRAGMA.exec(sql);
  if (p && !READ_ONLY_PRAGMAS.has(p[1].toLowerCase())) return 'PRAGMA ' + p[1] + ' is not allowed in the sandbox';
  return null;
}

class Refused extends Error {}
class TooLarge extends Error {}

// Every statement runs, in order; the answer is the last result set (DML returns none).
function runStatements(db, sql, maxRows) {
  let last = null;
  let count = 0;
  for (const stmt of db.iterateStatements(sql)) {
    count++;
    const why = checkStatement(stmt.getNormalizedSQL() || stmt.getSQL());
    if (why) { stmt.free(); throw new Refused(why); }
    const columns = stmt.getColumnNames();
    const rows = [];
    while (stmt.step()) {
      if (rows.length >= maxRows) { stmt.free(); throw new TooLarge('the result has more than ' + maxRows + ' rows'); }
      rows.push(stmt.get());
    }
    if (columns.length) last = { columns, rows };
  }
  return { last, count };
}

function snapshot(db, maxRows) {
  const tables = [];
  const names = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  for (const [name] of names.length ? names[0].values : []) {
    const stmt = db.prepare('SELECT * FROM "' + String(name).replace(/"/g, '""') + '"');
    const columns = stmt.getColumnNames();
    const rows = [];
    while (stmt.step()) {
      if (rows.length >= maxRows) { stmt.free(); throw new TooLarge('table ' + name + ' has more than ' + maxRows + ' rows'); }
      rows.push(stmt.get());
    }
    stmt.free();
    tables.push({ name, columns, rows });
  }
  return tables;
}

// One database per worker, kept for its whole life: the context's schema and rows are
// built inside a savepoint, and each unit runs inside a second one, rolled back
// afterwards (SQLite's DDL is transactional too, temp objects included), so every unit
// sees exactly the freshly built database. The gold SQL and the prediction of one
// example share one build; a new context first rolls the old one back. Creating a
// database per context costs more than the queries: sql.js keeps it as a file in
// Emscripten's in-memory file system. SQL with its own transaction control gets a
// database of its own.
let shared = null; // { db, context: string | null }

function open(SQL) {
  const db = new SQL.Database();
  // Keep the journal in memory and the pages cached instead of going through the file layer.
  db.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE');
  return db;
}

function forget() {
  if (shared) { try { shared.db.close(); } catch (e) { /* already gone */ } }
  shared = null;
}

/** The shared database holding \`context\`, built now if it holds another one. */
function withContext(SQL, context, maxRows) {
  if (shared && shared.context === context) return shared.db;
  if (!shared) shared = { db: open(SQL), context: null };
  const db = shared.db;
  if (shared.context !== null) {
    shared.context = null;
    try { db.exec('ROLLBACK TO sqlora_context; RELEASE sqlora_context'); } catch (e) { forget(); return withContext(SQL, context, maxRows); }
  }
  db.exec('SAVEPOINT sqlora_context');
  try {
    runStatements(db, context, maxRows);
  } catch (e) {
    try { db.exec('ROLLBACK TO sqlora_context; RELEASE sqlora_context'); } catch (e2) { forget(); }
    throw e;
  }
  shared.context = context;
  return db;
}

function build(SQL, context, maxRows) {
  const db = open(SQL);
  try {
    runStatements(db, context, maxRows);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

const failure = (e, phase) => ({
  status: e instanceof Refused ? 'refused' : e instanceof TooLarge ? 'too_large' : /out of memory/i.test(e && e.message) ? 'memory' : 'error',
  phase,
  message: String((e && e.message) || e),
});

function runUnit(SQL, unit) {
  const started = performance.now();
  const done = (r) => Object.assign(r, { ms: performance.now() - started });
  let db;
  try {
    if (unit.isolated) {
      db = build(SQL, unit.context, unit.maxRows);
    } else {
      db = withContext(SQL, unit.context, unit.maxRows);
      db.exec('SAVEPOINT sqlora_unit');
    }
  } catch (e) {
    return done(failure(e, 'context'));
  }
  try {
    let out;
    try {
      out = runStatements(db, unit.sql, unit.maxRows);
    } catch (e) {
      return done(failure(e, 'sql'));
    }
    // Nothing returned rows (DML, DDL): what it did is the state it left.
    let state = null;
    if (unit.wantState || !out.last) {
      try { state = snapshot(db, unit.maxRows); } catch (e) { return done(failure(e, 'sql')); }
    }
    return done({ status: 'ok', result: out.last, state, statements: out.count });
  } finally {
    if (unit.isolated) db.close();
    else {
      // Some errors make SQLite roll the whole transaction back, savepoints included:
      // start afresh next time rather than trust the state.
      try { db.exec('ROLLBACK TO sqlora_unit; RELEASE sqlora_unit'); } catch (e) { forget(); }
    }
  }
}

initSqlJs({
  // The main thread compiled the wasm once; instantiating a compiled module is cheap,
  // which is what makes killing and replacing a worker affordable.
  instantiateWasm(imports, receive) {
    WebAssembly.instantiate(workerData.wasmModule, imports).then((instance) => receive(instance));
    return {};
  },
}).then((SQL) => {
  // SQLite's allocator limit for this whole wasm instance: a query that needs more fails
  // with "out of memory" instead of growing the heap without bound. PRAGMAs are refused
  // in evaluated SQL, so nothing can lift it.
  const probe = new SQL.Database();
  probe.exec('PRAGMA hard_heap_limit=' + Number(workerData.heapLimitBytes));
  probe.close();
  parentPort.on('message', (msg) => {
    if (msg.type !== 'batch') return;
    for (const unit of msg.units) parentPort.postMessage({ type: 'result', id: unit.id, result: runUnit(SQL, unit) });
  });
  parentPort.postMessage({ type: 'ready' });
});
`;
