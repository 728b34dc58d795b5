/**
 * Small, dependency-free SVG line charts for the bench report (ROC and precision-recall
 * curves, one line per model).
 */
import type { CurvePoint } from '../stats/metrics.js';

/** One line of a chart. */
export interface Series {
  readonly name: string;
  readonly points: readonly CurvePoint[];
}

/** What to draw. Both axes run from 0 to 1. */
export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Draw the y = x chance line (ROC). */
  readonly diagonal?: boolean;
  /** Draw lines as steps (horizontal then vertical), as precision-recall curves are read. */
  readonly steps?: boolean;
  /** Where the legend goes. Default `bottom-right`. */
  readonly legend?: 'bottom-right' | 'bottom-left';
  readonly width?: number;
  readonly height?: number;
}

/** A colour-blind-friendly palette (Okabe-Ito), cycled. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

/** Escapes text for SVG content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const fmt = (v: number): string => (Math.round(v * 10) / 10).toString();

/** Renders a chart as a standalone SVG document. */
export function lineChartSvg(o: ChartOptions): string {
  const W = o.width ?? 560;
  const H = o.height ?? 440;
  const m = { left: 60, right: 20, top: 36, bottom: 50 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const X = (v: number): string => fmt(m.left + v * pw);
  const Y = (v: number): string => fmt(m.top + (1 - v) * ph);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(o.title)}</text>`);
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    out.push(`<line x1="${X(v)}" y1="${Y(0)}" x2="${X(v)}" y2="${Y(1)}" stroke="#e5e5e5"/>`);
    out.push(`<line x1="${X(0)}" y1="${Y(v)}" x2="${X(1)}" y2="${Y(v)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${X(v)}" y="${fmt(m.top + ph + 16)}" text-anchor="middle">${v.toFixed(1)}</text>`);
    out.push(`<text x="${fmt(m.left - 6)}" y="${fmt(m.top + (1 - v) * ph + 4)}" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  out.push(`<text x="${fmt(m.left + pw / 2)}" y="${H - 12}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${fmt(m.top + ph / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);
  if (o.diagonal) out.push(`<line x1="${X(0)}" y1="${Y(0)}" x2="${X(1)}" y2="${Y(1)}" stroke="#999" stroke-dasharray="4 4"/>`);
  o.series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const coords: string[] = [];
    s.points.forEach((p, k) => {
      if (o.steps && k > 0) coords.push(`${X(p.x)},${Y(s.points[k - 1].y)}`);
      coords.push(`${X(p.x)},${Y(p.y)}`);
    });
    out.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="1.8" points="${coords.join(' ')}"><title>${escapeXml(s.name)}</title></polyline>`,
    );
  });
  const lx = o.legend === 'bottom-left' ? m.left + 10 : m.left + pw - 250;
  const ly = m.top + ph - 10 - 16 * o.series.length;
  out.push(
    `<rect x="${lx - 6}" y="${ly - 12}" width="256" height="${16 * o.series.length + 8}" fill="#ffffff" fill-opacity="0.85" stroke="#ccc"/>`,
  );
  o.series.forEach((s, i) => {
    const y = ly + 16 * i;
    out.push(`<line x1="${lx}" y1="${y - 4}" x2="${lx + 18}" y2="${y - 4}" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2.5"/>`);
    out.push(`<text x="${lx + 24}" y="${y}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
