/**
 * The bench report: `report.md` with the metric tables and the speed table, and
 * `roc.svg` / `pr.svg` with one curve per model.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CrossValidationResult, ModelResult } from './cv.js';
import { lineChartSvg } from './svg.js';

const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
const pm = (mean: number, std: number): string => (Number.isFinite(mean) ? `${mean.toFixed(3)} ± ${std.toFixed(3)}` : 'n/a');
const secs = (v: number): string => (v < 1 ? `${(v * 1000).toFixed(0)} ms` : `${v.toFixed(2)} s`);

/** The pooled out-of-fold metrics as a Markdown table. */
export function metricsTable(results: readonly ModelResult[], recallTarget = 0.986): string {
  const head = `| model | accuracy | precision | recall | F1 | ROC AUC | PR AUC (AP) | TPR @ 1% FPR | TPR @ 5% FPR | FP @ recall ≥ ${recallTarget} | TN | FP | FN | TP |`;
  const rule = '|---|' + '---:|'.repeat(13);
  const rows = results.map(
    (r) =>
      `| ${r.model} | ${f3(r.accuracy)} | ${f3(r.precision)} | ${f3(r.recall)} | ${f3(r.f1)} | ${f3(r.rocAuc)} | ${f3(r.prAuc)} | ${f3(r.tprAtFpr01)} | ${f3(r.tprAtFpr05)} | ${Number.isFinite(r.fpAtRecall) ? r.fpAtRecall : 'n/a'} | ${r.confusion.tn} | ${r.confusion.fp} | ${r.confusion.fn} | ${r.confusion.tp} |`,
  );
  return [head, rule, ...rows].join('\n');
}

/** Fold means ± standard deviations as a Markdown table. */
export function foldTable(results: readonly ModelResult[]): string {
  const head = '| model | accuracy | precision | recall | F1 | ROC AUC | PR AUC (AP) |';
  const rule = '|---|' + '---:|'.repeat(6);
  const rows = results.map(
    (r) =>
      `| ${r.model} | ${pm(r.foldMean.accuracy, r.foldStd.accuracy)} | ${pm(r.foldMean.precision, r.foldStd.precision)} | ${pm(r.foldMean.recall, r.foldStd.recall)} | ${pm(r.foldMean.f1, r.foldStd.f1)} | ${pm(r.foldMean.rocAuc, r.foldStd.rocAuc)} | ${pm(r.foldMean.prAuc, r.foldStd.prAuc)} |`,
  );
  return [head, rule, ...rows].join('\n');
}

/** Fit and predict time per preset as a Markdown table (members share their preset's time). */
export function speedTable(r: CrossValidationResult): string {
  const seen = new Set<string>();
  const rows: string[] = [];
  for (const m of r.results) {
    const preset = m.model.split('/')[0];
    if (seen.has(preset)) continue;
    seen.add(preset);
    rows.push(
      `| ${preset} | ${secs(m.fitSeconds)} | ${secs(m.fitSeconds / r.folds)} | ${secs(m.predictSeconds)} | ${((m.predictSeconds / r.traces) * 1000).toFixed(3)} ms |`,
    );
  }
  return [
    '| preset | fit, all folds | fit, per fold | predict, all folds | predict, per trace |',
    '|---|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

/** Options of {@link writeReport}. */
export interface ReportOptions {
  /** The command line that produced the result, shown in the report. */
  command?: string;
  /** Free text lines added under the title (corpus, machine...). */
  notes?: readonly string[];
  recallTarget?: number;
}

/**
 * Writes `report.md`, `roc.svg` and `pr.svg` into `dir` (created if needed).
 * @returns the paths written.
 */
export function writeReport(dir: string, r: CrossValidationResult, options: ReportOptions = {}): string[] {
  mkdirSync(dir, { recursive: true });
  const roc = lineChartSvg({
    title: 'ROC curves (pooled out-of-fold scores)',
    xLabel: 'false-positive rate',
    yLabel: 'true-positive rate (recall)',
    diagonal: true,
    series: r.curves.map((c) => ({ name: c.model, points: c.roc })),
  });
  const pr = lineChartSvg({
    title: 'Precision-recall curves (pooled out-of-fold scores)',
    xLabel: 'recall',
    yLabel: 'precision',
    steps: true,
    legend: 'bottom-left',
    series: r.curves.map((c) => ({ name: c.model, points: c.pr })),
  });
  const md = [
    '# ntmaldetect bench report',
    '',
    ...(options.command ? ['```', options.command, '```', ''] : []),
    `- traces: ${r.traces}`,
    `- split: ${r.split}`,
    `- folds: ${r.folds}; the vectorizer and every model are fitted on each training part only`,
    ...(options.notes ?? []).map((n) => `- ${n}`),
    '',
    '## Pooled out-of-fold metrics',
    '',
    "All out-of-fold predictions pooled, as scikit-learn's `cross_val_predict` figures are. PR AUC is average precision (scikit-learn's `average_precision_score`). TPR at an FPR is the best operating point at or below that false-positive rate, without interpolation.",
    '',
    metricsTable(r.results, options.recallTarget),
    '',
    '## Per-fold mean ± standard deviation',
    '',
    foldTable(r.results),
    '',
    '## Figures',
    '',
    '![ROC curves](roc.svg)',
    '',
    '![Precision-recall curves](pr.svg)',
    '',
    '## Speed',
    '',
    speedTable(r),
    '',
  ].join('\n');
  const files = [join(dir, 'report.md'), join(dir, 'roc.svg'), join(dir, 'pr.svg')];
  writeFileSync(files[0], md);
  writeFileSync(files[1], roc);
  writeFileSync(files[2], pr);
  return files;
}
