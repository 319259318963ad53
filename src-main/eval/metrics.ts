/**
 * The seed's text metrics, defined exactly as the libraries it used:
 * - BLEU: Hugging Face `evaluate`'s "bleu" = tensorflow/nmt's corpus BLEU over
 *   sacrebleu's 13a tokenisation, max order 4, no smoothing, brevity penalty.
 * - ROUGE-1/2/L/Lsum: `rouge_score` F1 (lower-case, non-alphanumerics to spaces, no
 *   stemming), averaged over examples (the seed took a bootstrap median, within
 *   ~0.01 of the mean). ROUGE-Lsum is ROUGE-L over newline-separated lines (rouge_score
 *   without sentence splitting); on a one-line SQL statement it equals ROUGE-L.
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

/** Counts of the n-grams of each order 1..maxOrder (index order - 1), keys built one token at a time. */
function ngramCounts(tokens: string[], maxOrder: number): Map<string, number>[] {
  const counts = Array.from({ length: maxOrder }, () => new Map<string, number>());
  for (let i = 0; i < tokens.length; i++) {
    let key = tokens[i];
    for (let n = 1; n <= maxOrder && i + n <= tokens.length; n++) {
      if (n > 1) key += `\u0001${tokens[i + n - 1]}`;
      counts[n - 1].set(key, (counts[n - 1].get(key) ?? 0) + 1);
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

/** One example's BLEU sufficient statistics: corpus BLEU sums them before dividing (and the bootstrap resamples them). */
export interface BleuStats {
  matches: number[];
  possible: number[];
  translationLength: number;
  referenceLength: number;
}

export function bleuStats(prediction: string, references: string[], maxOrder = 4): BleuStats {
  const refs = references.map(tokenize13a);
  const pred = tokenize13a(prediction);
  const matches = new Array<number>(maxOrder).fill(0);
  const possible = new Array<number>(maxOrder).fill(0);
  // Each predicted n-gram is clipped by its largest count in any one reference.
  const [first, ...others] = refs.map((r) => ngramCounts(r, maxOrder));
  for (const other of others) other.forEach((byOrder, o) => byOrder.forEach((c, k) => first[o].set(k, Math.max(first[o].get(k) ?? 0, c))));
  ngramCounts(pred, maxOrder).forEach((byOrder, o) => byOrder.forEach((c, k) => (matches[o] += Math.min(c, first[o].get(k) ?? 0))));
  for (let n = 1; n <= maxOrder; n++) possible[n - 1] += Math.max(0, pred.length - n + 1);
  return { matches, possible, translationLength: pred.length, referenceLength: Math.min(...refs.map((r) => r.length)) };
}

/** BLEU of summed statistics; `indices` picks examples (with repeats, for the bootstrap). */
export function bleuFromStats(stats: BleuStats[], indices?: ArrayLike<number>): BleuResult {
  const maxOrder = stats[0]?.matches.length ?? 4;
  const matches = new Array<number>(maxOrder).fill(0);
  const possible = new Array<number>(maxOrder).fill(0);
  let translationLength = 0;
  let referenceLength = 0;
  const count = indices ? indices.length : stats.length;
  for (let k = 0; k < count; k++) {
    const s = stats[indices ? indices[k] : k];
    for (let o = 0; o < maxOrder; o++) {
      matches[o] += s.matches[o];
      possible[o] += s.possible[o];
    }
    translationLength += s.translationLength;
    referenceLength += s.referenceLength;
  }
  const precisions = matches.map((m, i) => (possible[i] > 0 ? m / possible[i] : 0));
  const geoMean = Math.min(...precisions) > 0 ? Math.exp(precisions.reduce((s, p) => s + Math.log(p), 0) / maxOrder) : 0;
  const ratio = referenceLength > 0 ? translationLength / referenceLength : 0;
  // nmt divides by the ratio; an empty prediction corpus scores 0 instead of raising.
  const brevityPenalty = ratio > 1 ? 1 : ratio > 0 ? Math.exp(1 - 1 / ratio) : 0;
  return { bleu: geoMean * brevityPenalty, precisions, brevityPenalty, lengthRatio: ratio, translationLength, referenceLength };
}

/** Corpus BLEU of predictions against one or more references each. */
export function corpusBleu(predictions: string[], references: string[][], maxOrder = 4): BleuResult {
  return bleuFromStats(predictions.map((p, i) => bleuStats(p, references[i], maxOrder)));
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

/** ROUGE-1 and ROUGE-2 F1 from one pass of n-gram counts. */
function rouge12(pred: string[], ref: string[]): [number, number] {
  const p = ngramCounts(pred, 2);
  const r = ngramCounts(ref, 2);
  return [1, 2].map((n) => {
    let overlap = 0;
    p[n - 1].forEach((c, k) => (overlap += Math.min(c, r[n - 1].get(k) ?? 0)));
    return f1(overlap, Math.max(0, pred.length - n + 1), Math.max(0, ref.length - n + 1));
  }) as [number, number];
}

function lcsTable(a: string[], b: string[]): Int32Array[] {
  const t = Array.from({ length: a.length + 1 }, () => new Int32Array(b.length + 1));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) t[i][j] = a[i - 1] === b[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
  }
  return t;
}

/** Indices into `ref` of one LCS with `can`, backtracked as rouge_score's _backtrack_norec does. */
function lcsIndices(ref: string[], can: string[]): number[] {
  const t = lcsTable(ref, can);
  const out: number[] = [];
  let i = ref.length;
  let j = can.length;
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      out.push(i - 1);
      i--;
      j--;
    } else if (t[i][j - 1] > t[i - 1][j]) j--;
    else i--;
  }
  return out;
}

/**
 * rouge_score's summary-level LCS: both texts split on newlines (empty lines dropped),
 * each reference line scored by the union of its LCS with every predicted line, each
 * token counted at most as often as it occurs on both sides.
 */
export function rougeLsum(prediction: string, reference: string): number {
  const lines = (text: string) => text.split('\n').filter((l) => l.length).map(rougeTokens);
  const ref = lines(reference);
  const can = lines(prediction);
  const m = ref.reduce((s, l) => s + l.length, 0);
  const n = can.reduce((s, l) => s + l.length, 0);
  if (!m || !n) return 0;
  const left = (ls: string[][]) => {
    const c = new Map<string, number>();
    for (const l of ls) for (const t of l) c.set(t, (c.get(t) ?? 0) + 1);
    return c;
  };
  const refLeft = left(ref);
  const canLeft = left(can);
  let hits = 0;
  for (const r of ref) {
    const union = new Set<number>();
    for (const c of can) for (const i of lcsIndices(r, c)) union.add(i);
    for (const i of [...union].sort((a, b) => a - b)) {
      const t = r[i];
      const inCan = canLeft.get(t) ?? 0;
      const inRef = refLeft.get(t) ?? 0;
      if (inCan > 0 && inRef > 0) {
        hits++;
        canLeft.set(t, inCan - 1);
        refLeft.set(t, inRef - 1);
      }
    }
  }
  return f1(hits, n, m);
}

export interface RougeScores {
  rouge1: number;
  rouge2: number;
  rougeL: number;
  rougeLsum: number;
}

export function rouge(prediction: string, reference: string): RougeScores {
  const p = rougeTokens(prediction);
  const r = rougeTokens(reference);
  const lcs = p.length && r.length ? lcsTable(p, r)[p.length][r.length] : 0;
  const rougeL = f1(lcs, p.length, r.length);
  // One line on each side: the union of one LCS is that LCS, so Lsum is L (and most SQL is one line).
  const oneLine = !prediction.includes('\n') && !reference.includes('\n');
  const [rouge1, rouge2] = rouge12(p, r);
  return { rouge1, rouge2, rougeL, rougeLsum: oneLine ? rougeL : rougeLsum(prediction, reference) };
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
