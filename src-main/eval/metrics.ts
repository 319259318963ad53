/**
 * The seed's text metrics, defined exactly as the libraries it used:
 * - BLEU: Hugging Face `evaluate`'s "bleu" = tensorflow/nmt's corpus BLEU over
 *   sacrebleu's 13a tokenisation, max order 4, no smoothing, brevity penalty.
 * - ROUGE-1/2/L: `rouge_score` F1 (lower-case, non-alphanumerics to spaces, no
 *   stemming), averaged over examples (the seed took a bootstrap median, within
 *   ~0.01 of the mean).
 * - Exact match after sqlparse-style normalisation.
 */

/** sacrebleu's Tokenizer13a, as `evaluate` calls it (returns the tokens). */
export function tokenize13a(text: string): string[] {
  if (text === '') return [];
  let line = text.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (line.includes('&')) line = line.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  line = ` ${line} `;
  line = line.replace(/([{-~[-` -&(-+:-@/])/g, ' $1 ');
  line = line.replace(/([^0-9])([.,])/g, '$1 $2 ');
  line = line.replace(/([.,])([^0-9])/g, ' $1 $2');
  line = line.replace(/([0-9])(-)/g, '$1 $2 ');
  return line.split(/\s+/).filter(Boolean);
}

function ngramCounts(tokens: string[], maxOrder: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = `${n}\u0000${tokens.slice(i, i + n).join('\u0001')}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

export interface BleuResult {
  bleu: number;
  precisions: number[];
  brevityPenalty: number;
  lengthRatio: number;
  translationLength: number;
  referenceLength: number;
}

/** Corpus BLEU of predictions against one or more references each. */
export function corpusBleu(predictions: string[], references: string[][], maxOrder = 4): BleuResult {
  const matches = new Array<number>(maxOrder).fill(0);
  const possible = new Array<number>(maxOrder).fill(0);
  let translationLength = 0;
  let referenceLength = 0;
  predictions.forEach((prediction, i) => {
    const refs = references[i].map(tokenize13a);
    const pred = tokenize13a(prediction);
    referenceLength += Math.min(...refs.map((r) => r.length));
    translationLength += pred.length;
    const merged = new Map<string, number>();
    for (const r of refs) for (const [k, c] of ngramCounts(r, maxOrder)) merged.set(k, Math.max(merged.get(k) ?? 0, c));
    for (const [k, c] of ngramCounts(pred, maxOrder)) {
      const overlap = Math.min(c, merged.get(k) ?? 0);
      if (overlap > 0) matches[Number(k.slice(0, k.indexOf('\u0000'))) - 1] += overlap;
    }
    for (let n = 1; n <= maxOrder; n++) possible[n - 1] += Math.max(0, pred.length - n + 1);
  });
  const precisions = matches.map((m, i) => (possible[i] > 0 ? m / possible[i] : 0));
  const geoMean = Math.min(...precisions) > 0 ? Math.exp(precisions.reduce((s, p) => s + Math.log(p), 0) / maxOrder) : 0;
  const ratio = referenceLength > 0 ? translationLength / referenceLength : 0;
  const brevityPenalty = ratio > 1 ? 1 : ratio > 0 ? Math.exp(1 - 1 / ratio) : 0;
  return { bleu: geoMean * brevityPenalty, precisions, brevityPenalty, lengthRatio: ratio, translationLength, referenceLength };
}

/** rouge_score's default tokenizer: lower-case, non-alphanumerics to spaces. */
export function rougeTokens(text: string): string[] {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').split(' ').filter((t) => /^[a-z0-9]+$/.test(t));
}

const f1 = (overlap: number, predTotal: number, refTotal: number) => {
  const p = predTotal > 0 ? overlap / predTotal : 0;
  const r = refTotal > 0 ? overlap / refTotal : 0;
  return p + r > 0 ? (2 * p * r) / (p + r) : 0;
};

function rougeN(pred: string[], ref: string[], n: number): number {
  const grams = (t: string[]) => {
    const m = new Map<string, number>();
    for (let i = 0; i + n <= t.length; i++) {
      const k = t.slice(i, i + n).join(' ');
      m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  };
  const p = grams(pred);
  const r = grams(ref);
  let overlap = 0;
  for (const [k, c] of p) overlap += Math.min(c, r.get(k) ?? 0);
  return f1(overlap, Math.max(0, pred.length - n + 1), Math.max(0, ref.length - n + 1));
}

function lcsLength(a: string[], b: string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) row[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], row[j - 1]);
    prev = row;
  }
  return prev[b.length];
}

export interface RougeScores {
  rouge1: number;
  rouge2: number;
  rougeL: number;
}

export function rouge(prediction: string, reference: string): RougeScores {
  const p = rougeTokens(prediction);
  const r = rougeTokens(reference);
  return { rouge1: rougeN(p, r, 1), rouge2: rougeN(p, r, 2), rougeL: f1(lcsLength(p, r), p.length, r.length) };
}

/**
 * sqlparse.format(sql, keyword_case='lower', identifier_case='lower',
 * strip_comments=True) then trailing ';' removed and whitespace collapsed: string
 * literals keep their case, everything else is lower-cased.
 */
export function normalizeSql(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === c && sql[j + 1] !== c)) j += sql[j] === c ? 2 : 1;
      const literal = sql.slice(i, j + 1);
      out += c === "'" ? literal : literal.toLowerCase();
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      out += ' ';
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      out += ' ';
    } else {
      out += c.toLowerCase();
      i++;
    }
  }
  return out.replace(/\s+/g, ' ').trim().replace(/(\s*;)+$/, '').trim();
}

export const exactMatch = (prediction: string, reference: string): boolean => normalizeSql(prediction) === normalizeSql(reference);
