import { describe, expect, it } from 'vitest';
import { escapeXml, lineChartSvg } from './svg.js';

describe('lineChartSvg', () => {
  const svg = lineChartSvg({
    title: 'ROC <test>',
    xLabel: 'false-positive rate',
    yLabel: 'true-positive rate',
    diagonal: true,
    series: [
      {
        name: 'nb & svm',
        points: [
          { x: 0, y: 0 },
          { x: 0, y: 1 },
          { x: 1, y: 1 },
        ],
      },
      {
        name: 'b',
        points: [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ],
      },
    ],
  });
  it('is a standalone SVG with one escaped polyline and legend entry per series', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('ROC &lt;test&gt;');
    expect(svg).toContain('>nb &amp; svm</text>');
    expect(svg).not.toContain('<test>');
  });
  it('maps (0,0) to the bottom-left and (1,1) to the top-right of the plot area', () => {
    // default 560x440, margins left 60 right 20 top 36 bottom 50
    expect(svg).toContain('points="60,390 60,36 540,36"');
  });
  it('draws steps when asked', () => {
    const s = lineChartSvg({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      steps: true,
      series: [
        {
          name: 'a',
          points: [
            { x: 0, y: 1 },
            { x: 1, y: 0 },
          ],
        },
      ],
    });
    expect(s).toContain('points="60,36 540,36 540,390"');
  });
  it('escapes quotes', () => {
    expect(escapeXml('"a"&<b>')).toBe('&quot;a&quot;&amp;&lt;b&gt;');
  });
});
