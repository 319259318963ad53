import type { Distribution, EdaView } from '../api/contract';

/** An EDA view as CSV (RFC 4180, header row first): the numbers behind its chart, for a spreadsheet. */

const field = (v: string | number): string => {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const csv = (rows: (string | number)[][]): string => rows.map((r) => r.map(field).join(',')).join('\n') + '\n';

const histogramRows = (series: Distribution[]) =>
  series.flatMap((s) => s.histogram.counts.map((count, i) => [s.name, s.histogram.binEdges[i], s.histogram.binEdges[i + 1], count]));

export function viewToCsv(view: EdaView): string {
  switch (view.kind) {
    case 'counts':
      return csv([['label', 'count'], ...view.items.map((i) => [i.label, i.count]), ...(view.other ? [['(other)', view.other]] : []), ...(view.missing ? [['(missing)', view.missing]] : [])]);
    case 'heatmap':
      return csv([['', ...view.columns], ...view.rows.map((r, i) => [r, ...view.matrix[i]])]);
    case 'distributions':
    case 'tokens':
      return csv([['series', 'bin_start', 'bin_end', 'count'], ...histogramRows(view.series)]);
    case 'boxplot':
      return csv([
        ['group', 'count', 'min', 'q1', 'median', 'q3', 'max', 'mean', 'whisker_low', 'whisker_high', 'outliers'],
        ...view.groups.map((g) => [g.label, g.count, g.min, g.q1, g.median, g.q3, g.max, g.mean, g.whiskerLow, g.whiskerHigh, g.outliers]),
      ]);
    case 'validity':
      return csv([['reason', 'count', 'example_rows'], ['(valid)', view.valid, ''], ...view.reasons.map((r) => [r.reason, r.count, r.examples.map((e) => e.ord).join(' ')])]);
    case 'scatter':
      return csv([['group', view.x, view.y, 'rows'], ...view.groups.flatMap((g) => g.points.map(([x, y, n]) => [g.label, x, y, n]))]);
  }
}
