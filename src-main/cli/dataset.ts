import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ColumnMapping, DatasetDetail, EdaView, Job } from '../api/contract';
import { describeIssue, resolveDataset, viewToCsv } from '../data';
import type { Backend } from '../services';
import { withBackend } from './backend';
import { callHandler } from './call';
import { type CommandSpec, UsageError } from './command';

const num = (n: number) => n.toLocaleString('en-US');
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Wait for a job, printing its progress to stderr; Ctrl-C cancels it. */
export async function follow(backend: Backend, job: Job): Promise<Job> {
  const off = backend.bus.subscribe((event, payload) => {
    const j = payload as Job;
    if (event === 'job.updated' && j.id === job.id && j.status === 'running' && process.stderr.isTTY) {
      process.stderr.write(`\r${(100 * j.progress).toFixed(0).padStart(3)}%  ${(j.message ?? '').slice(0, 70).padEnd(70)}`);
    }
  });
  const interrupt = () => backend.jobs.cancel(job.id);
  process.once('SIGINT', interrupt);
  try {
    return await backend.jobs.wait(job.id);
  } finally {
    process.off('SIGINT', interrupt);
    off();
    if (process.stderr.isTTY) process.stderr.write('\r'.padEnd(80) + '\r');
  }
}

function parseMapping(spec: string): ColumnMapping {
  const mapping: Record<string, string> = {};
  for (const pair of spec.split(',')) {
    const [field, column] = pair.split('=').map((s) => s.trim());
    if (!field || !column) throw new UsageError(`--map takes field=column pairs separated by commas, e.g. prompt=question,sql=query,context=schema (got "${pair}")`);
    mapping[field] = column;
  }
  if (!mapping.prompt || !mapping.sql) throw new UsageError('--map needs at least prompt=... and sql=...');
  return mapping as ColumnMapping;
}

export function describeDataset(d: DatasetDetail): string {
  const r = d.report;
  const lines = [
    `Dataset ${d.id}: ${d.name} (${d.preset}, ${num(d.rowCount)} rows: ${Object.entries(d.splits).map(([s, n]) => `${s} ${num(n)}`).join(', ')})`,
    ...d.files.map((f) => `  file ${f.path} (${f.format}, split ${f.split}): ${num(f.rows)} rows${f.rejected ? `, ${num(f.rejected)} rejected` : ''}`),
    `  mapping: ${Object.entries(d.mapping).map(([k, v]) => `${k}=${v}`).join(', ')}`,
  ];
  if (r) {
    lines.push(
      `  validation: ${num(r.rowsRead)} rows read, ${num(r.rowsImported)} imported, ${num(r.rejected)} rejected; ` +
        `${num(r.duplicatePrompts.rows)} duplicate prompts, ${num(r.duplicateExamples.rows)} duplicate examples, ${num(r.leakage.prompts)} prompts in more than one split`,
    );
    for (const issue of r.issues.slice(0, 10)) lines.push(`    rejected: ${describeIssue(issue)}`);
    if (r.issues.length > 10 || r.issuesTruncated) lines.push(`    ... ${num(r.rejected - Math.min(10, r.issues.length))} more rejected rows`);
  }
  for (const s of d.savedSplits) lines.push(`  split ${s.id} "${s.name}": train ${num(s.counts.train)} / validation ${num(s.counts.validation)} / test ${num(s.counts.test)}`);
  return lines.join('\n');
}

export const datasetCommand: CommandSpec = {
  name: 'dataset',
  summary: 'Import, list and show datasets (CSV/TSV, JSON, JSONL, Parquet; gretel and Spider presets)',
  usage:
    'sqlora dataset import FILE... [--preset auto|gretel|spider|sql-create-context] [--tables tables.json] [--map prompt=COL,sql=COL,context=COL,...] [--split NAME] [--name NAME] [--skip-invalid] [--json]\n' +
    '       sqlora dataset list [--json]\n' +
    '       sqlora dataset show ID|NAME [--json]\n' +
    '       sqlora dataset split ID|NAME [--seed N] [--sizes TRAIN,VALIDATION,TEST] [--name NAME] [--json]\n' +
    '       (all take --data-dir DIR)',
  options: {
    preset: { type: 'string' },
    tables: { type: 'string' },
    map: { type: 'string' },
    split: { type: 'string' },
    name: { type: 'string' },
    'skip-invalid': { type: 'boolean' },
    seed: { type: 'string' },
    sizes: { type: 'string' },
    json: { type: 'boolean' },
    'data-dir': { type: 'string' },
  },
  async run({ values, positionals }) {
    const [action, ...args] = positionals;
    const json = Boolean(values.json);
    return withBackend(values['data-dir'] as string | undefined, async (backend) => {
      if (action === 'import') {
        if (!args.length) throw new UsageError('give at least one file to import');
        const preset = (values.preset as string | undefined) ?? (values.map ? 'custom' : 'auto');
        const job = await callHandler(backend, 'datasets.import', {
          files: args.map((path) => ({ path: resolve(path), ...(values.split ? { split: values.split as string } : {}) })),
          preset: preset as 'auto',
          ...(values.map ? { mapping: parseMapping(values.map as string) } : {}),
          ...(values.tables ? { tables: resolve(values.tables as string) } : {}),
          ...(values.name ? { name: values.name as string } : {}),
          skipInvalid: Boolean(values['skip-invalid']),
        });
        const done = await follow(backend, job);
        if (done.status !== 'completed') {
          console.error(done.status === 'cancelled' ? 'Import cancelled; nothing was imported.' : `Import failed: ${done.error}`);
          return 1;
        }
        const detail = await callHandler(backend, 'datasets.get', { id: (done.result as { datasetId: number }).datasetId });
        console.log(json ? JSON.stringify(detail, null, 2) : describeDataset(detail));
        return 0;
      }
      if (action === 'list' || action === undefined) {
        const list = await callHandler(backend, 'datasets.list', {});
        if (json) console.log(JSON.stringify(list, null, 2));
        else if (!list.length) console.log('No datasets yet. Import one: sqlora dataset import FILE');
        else for (const d of list) console.log(`${String(d.id).padStart(4)}  ${num(d.rowCount).padStart(9)} rows  ${d.preset.padEnd(18)} ${d.name}`);
        return 0;
      }
      if (action === 'show' || action === 'split') {
        if (args.length !== 1) throw new UsageError(`dataset ${action} needs a dataset id or name`);
        const id = resolveDataset(backend.store, args[0]);
        if (action === 'split') {
          const sizes = values.sizes ? (values.sizes as string).split(',').map(Number) : [5000, 750, 1000];
          if (sizes.length !== 3 || sizes.some((n) => !Number.isFinite(n) || n < 0)) throw new UsageError('--sizes takes three numbers: train,validation,test');
          const unit = sizes.every((n) => n <= 1) && sizes.some((n) => n > 0 && n < 1) ? 'fraction' : 'rows';
          const split = await callHandler(backend, 'datasets.split', {
            id,
            ...(values.name ? { name: values.name as string } : {}),
            spec: { seed: values.seed === undefined ? 42 : Number(values.seed), sizes: { train: sizes[0], validation: sizes[1], test: sizes[2] }, unit },
          });
          console.log(json ? JSON.stringify(split, null, 2) : `Split ${split.id} "${split.name}": train ${num(split.counts.train)} / validation ${num(split.counts.validation)} / test ${num(split.counts.test)}; ${split.leakedPrompts} prompts in more than one part`);
          return 0;
        }
        const detail = await callHandler(backend, 'datasets.get', { id });
        console.log(json ? JSON.stringify(detail, null, 2) : describeDataset(detail));
        return 0;
      }
      throw new UsageError(`unknown action "${action}"`);
    });
  },
};

/** One readable block per EDA view. */
export function describeView(name: string, v: EdaView): string {
  const stats = (s: { min: number; median: number; mean: number; p95: number; max: number } | null) =>
    s ? `min ${num(s.min)}, median ${num(s.median)}, mean ${s.mean.toFixed(1)}, p95 ${num(Math.round(s.p95))}, max ${num(s.max)}` : 'no values';
  switch (v.kind) {
    case 'counts':
      return `${name} (${num(v.distinct)} distinct${v.missing ? `, ${num(v.missing)} missing` : ''}):\n` + (v.items.length ? v.items.map((i) => `  ${num(i.count).padStart(9)}  ${i.label}`).join('\n') : '  (no values)') + (v.other ? `\n  ${num(v.other).padStart(9)}  (other)` : '');
    case 'heatmap':
      return `${name}:\n  ${''.padEnd(28)}${v.columns.map((c) => c.slice(0, 14).padStart(15)).join('')}\n` + v.rows.map((r, i) => `  ${r.slice(0, 28).padEnd(28)}${v.matrix[i].map((n) => num(n).padStart(15)).join('')}`).join('\n');
    case 'distributions':
      return `${name} (${v.unit}):\n` + v.series.map((s) => `  ${s.name.padEnd(20)} ${stats(s.stats)}`).join('\n');
    case 'boxplot':
      return `${name} (${v.unit}):\n` + v.groups.map((g) => `  ${g.label.padEnd(28)} q1 ${g.q1}, median ${g.median}, q3 ${g.q3}, whiskers ${g.whiskerLow}-${g.whiskerHigh}, ${g.outliers} outliers`).join('\n');
    case 'validity':
      return (
        `${name}: ${num(v.valid)} of ${num(v.checked)} gold queries run in SQLite (${pct(v.share)}); ${num(v.skipped)} skipped, ${num(v.contextErrors)} with a failing context, ${num(v.nonDeterministic)} valid but clock/random-dependent\n` +
        v.reasons.slice(0, 15).map((r) => `  ${num(r.count).padStart(9)}  ${r.reason}`).join('\n')
      );
    case 'tokens':
      return `${name} (${v.tokenizer}; template ${v.templateTokens} tokens; ${num(v.overMaxLength.count)} rows (${pct(v.overMaxLength.share)}) over ${v.maxLength}):\n` + v.series.map((s) => `  ${s.name.padEnd(20)} ${stats(s.stats)}`).join('\n');
    case 'scatter':
      return `${name} (${v.x} vs ${v.y}): ` + v.groups.map((g) => `${g.label} ${num(g.points.reduce((s, p) => s + p[2], 0))} rows`).join(', ');
  }
}

export const edaCommand: CommandSpec = {
  name: 'eda',
  summary: "Compute the seed's twelve EDA views of a dataset (cached in the store)",
  usage: 'sqlora eda ID|NAME [--split all|train|validation|test] [--json] [--out DIR] [--recompute] [--no-tokens] [--data-dir DIR]',
  options: { split: { type: 'string' }, json: { type: 'boolean' }, out: { type: 'string' }, recompute: { type: 'boolean' }, 'no-tokens': { type: 'boolean' }, 'data-dir': { type: 'string' } },
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('give one dataset id or name');
    return withBackend(values['data-dir'] as string | undefined, async (backend) => {
      const id = resolveDataset(backend.store, positionals[0]);
      const tokens = !values['no-tokens'];
      const split = (values.split as string | undefined) ?? 'all';
      let answer = await callHandler(backend, 'datasets.eda', { id, split, recompute: Boolean(values.recompute), tokens });
      if (answer.job) {
        const done = await follow(backend, answer.job);
        if (done.status !== 'completed') {
          console.error(done.status === 'cancelled' ? 'EDA cancelled.' : `EDA failed: ${done.error}`);
          return 1;
        }
        answer = await callHandler(backend, 'datasets.eda', { id, split, tokens });
      }
      if (values.out) {
        const dir = resolve(values.out as string);
        mkdirSync(dir, { recursive: true });
        for (const [name, view] of Object.entries(answer.views)) {
          writeFileSync(join(dir, `${name}.json`), JSON.stringify(view, null, 2));
          writeFileSync(join(dir, `${name}.csv`), viewToCsv(view));
        }
        console.error(`Wrote ${Object.keys(answer.views).length} views to ${dir} (JSON and CSV each)`);
      }
      if (values.json) console.log(JSON.stringify(answer.views, null, 2));
      else for (const [name, view] of Object.entries(answer.views)) console.log(`${describeView(name, view)}\n`);
      return 0;
    });
  },
};
