/**
 * The project as a newcomer meets it: docs index every command, package.json declares the
 * Node versions it runs on, the licence is there.
 */
import { readFileSync, readdirSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { projectRoot } from './shared.js';
import { tmpLeftovers } from './global-setup.js';
import { scratchDir } from './tmp.js';
import { FC_DEFAULTS, FC_TIME_LIMIT_MS, MAX_NUM_RUNS, shrinkBudget } from './fc.js';

const read = (p: string) => readFileSync(join(projectRoot, p), 'utf8');

/** Command names: the files of src/cli/commands that are not tests. */
function commandNames(): string[] {
  return readdirSync(join(projectRoot, 'src/cli/commands'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

describe('docs/cli.md', () => {
  const doc = read('docs/cli.md');

  it('finds the commands (the list this test checks is not empty)', () => {
    expect(commandNames()).toEqual(expect.arrayContaining(['scan', 'train', 'serve', 'worker', 'reassess']));
  });

  it.each(commandNames())('has a section for `%s` with a synopsis and an exit status', (name) => {
    const heading = `\n## \`${name}\`\n`;
    expect(doc).toContain(heading);
    const body = doc.slice(doc.indexOf(heading) + heading.length).split(/\n## /)[0];
    expect(body).toContain(`ntmaldetect ${name}`);
    expect(body).toMatch(/exit (status|code)|### Exit codes/i);
  });

  it.each(commandNames())('lists `%s` in the index table', (name) => {
    expect(doc).toContain(`| [\`${name}\`](#${name}) |`);
  });

  it('links only to docs pages that exist', () => {
    const links = [...doc.matchAll(/\]\(([a-z-]+\.md)(#[^)]*)?\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(10);
    for (const l of new Set(links)) expect(existsSync(join(projectRoot, 'docs', l)), l).toBe(true);
  });
});

describe('fast-check: every property test is bounded (test/fc.ts)', () => {
  it('runs with the shared settings installed by the setup file', () => {
    expect(fc.readConfigureGlobal()).toMatchObject(FC_DEFAULTS);
    expect(FC_TIME_LIMIT_MS).toBeLessThan(60_000); // below vitest's test timeout
    // A call's own options are merged over them: the time bound stays.
    const details = fc.check(
      fc.property(fc.constant(0), () => true),
      { numRuns: 3 },
    );
    expect(details.runConfiguration).toMatchObject({ numRuns: 3, interruptAfterTimeLimit: FC_TIME_LIMIT_MS, markInterruptAsFailure: true });
  });

  it('a property whose runs are slow fails at the time limit instead of running on', () => {
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    const t0 = performance.now();
    const details = fc.check(
      fc.property(fc.integer(), () => (busy(20), true)),
      { numRuns: 1_000_000, interruptAfterTimeLimit: 300 },
    );
    expect(details.failed).toBe(true);
    expect(details.interrupted).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('shrinking is bounded too, and the counterexample found so far is reported', () => {
    const t0 = performance.now();
    const details = fc.check(
      fc.property(fc.array(fc.integer(), { minLength: 200, maxLength: 400 }), (a) => {
        const end = performance.now() + 5;
        while (performance.now() < end);
        return a.length < 10;
      }),
      { interruptAfterTimeLimit: 400 },
    );
    expect(details.failed).toBe(true);
    expect(details.counterexample).not.toBeNull();
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('stops shrinking once the shrink budget is spent, with the smallest failure so far', () => {
    const t0 = performance.now();
    let runs = 0;
    const details = fc.check(
      fc.property(fc.array(fc.double({ noNaN: true }), { minLength: 300, maxLength: 400 }), (a) => {
        runs++;
        const end = performance.now() + 2;
        while (performance.now() < end);
        return a.length < 3;
      }),
      { plugins: [shrinkBudget(200)] },
    );
    const ms = performance.now() - t0;
    expect(details.failed).toBe(true);
    expect(details.interrupted).toBe(false); // the time limit was not needed
    expect(details.numShrinks).toBeGreaterThan(0);
    expect((details.counterexample as [number[]])[0].length).toBeGreaterThanOrEqual(3);
    expect(ms).toBeLessThan(3_000);
    expect(runs).toBeLessThan(300); // at 2 ms a run, about 100 ran before the budget was spent
  });

  /** Every `fc.assert(` / `fc.check(` of the test sources, with its options literal if any. */
  function propertyCalls(): { file: string; options: string | undefined }[] {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(join(projectRoot, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) walk(rel);
        else if (/\.ts$/.test(e.name)) files.push(rel);
      }
    };
    walk('src');
    walk('test');
    const out: { file: string; options: string | undefined }[] = [];
    for (const file of files) {
      const text = read(file);
      if (!text.includes('fast-check') || file === 'test/project.test.ts') continue; // this file tests the bounds themselves
      for (const m of text.matchAll(/fc\.(assert|check)\(/g)) {
        // The call's text up to its closing parenthesis.
        let depth = 0;
        let end = m.index + m[0].length - 1;
        for (; end < text.length; end++) {
          const c = text[end];
          if (c === '(') depth++;
          else if (c === ')' && --depth === 0) break;
        }
        const call = text.slice(m.index, end + 1);
        const last = /,\s*(\{[^{}]*\})\s*,?\s*\)$/.exec(call);
        out.push({ file, options: last?.[1] });
      }
    }
    return out;
  }

  it('no property test asks for unbounded runs or lifts the time bound', () => {
    const calls = propertyCalls();
    expect(calls.length).toBeGreaterThan(50);
    const bad: string[] = [];
    for (const { file, options } of calls) {
      if (options === undefined) continue; // the shared settings alone
      const runs = /numRuns:\s*([\d_]+)/.exec(options);
      if (runs && Number(runs[1].replace(/_/g, '')) > MAX_NUM_RUNS) bad.push(`${file}: ${options}`);
      const limit = /interruptAfterTimeLimit:\s*([\d_]+)/.exec(options);
      if (limit && Number(limit[1].replace(/_/g, '')) > FC_TIME_LIMIT_MS) bad.push(`${file}: ${options}`);
      if (/markInterruptAsFailure:\s*false|interruptAfterTimeLimit:\s*(undefined|Infinity)|numRuns:\s*(Infinity|Number)/.test(options))
        bad.push(`${file}: ${options}`);
    }
    expect(bad).toEqual([]);
  });
});

/** A small reading of npm's semver ranges, enough for `engines.node` fields. */
function satisfies(version: string, range: string): boolean {
  const v = version.replace(/^v/, '').split('.').map(Number) as [number, number, number];
  const cmp = (a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  const parse = (s: string): { v: [number, number, number]; parts: number } => {
    const bits = s.split('.').filter((b) => b !== '' && b !== 'x' && b !== 'X' && b !== '*');
    if (bits.some((b) => !/^\d+$/.test(b))) throw new Error(`cannot read version ${JSON.stringify(s)} in ${JSON.stringify(range)}`);
    const n = bits.map(Number);
    return { v: [n[0] ?? 0, n[1] ?? 0, n[2] ?? 0], parts: n.length };
  };
  const bump = (p: { v: [number, number, number]; parts: number }): number[] =>
    p.parts <= 1 ? [p.v[0] + 1, 0, 0] : p.parts === 2 ? [p.v[0], p.v[1] + 1, 0] : [p.v[0], p.v[1], p.v[2] + 1];
  const one = (token: string): boolean => {
    const m = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(token)!;
    const op = m[1] ?? '';
    if (m[2] === '' || m[2] === '*' || m[2] === 'x') return true;
    const p = parse(m[2]);
    switch (op) {
      case '>=':
        return cmp(v, p.v) >= 0;
      case '>':
        return cmp(v, bump(p)) >= 0 || (p.parts === 3 && cmp(v, p.v) > 0);
      case '<':
        return cmp(v, p.v) < 0;
      case '<=':
        return cmp(v, bump(p)) < 0;
      case '^':
        return cmp(v, p.v) >= 0 && cmp(v, p.v[0] > 0 || p.parts === 1 ? [p.v[0] + 1, 0, 0] : [0, p.v[1] + 1, 0]) < 0;
      case '~':
        return cmp(v, p.v) >= 0 && cmp(v, p.parts === 1 ? [p.v[0] + 1, 0, 0] : [p.v[0], p.v[1] + 1, 0]) < 0;
      default:
        return cmp(v, p.v) >= 0 && cmp(v, bump(p)) < 0; // 20, 20.x, 20.19.0
    }
  };
  return range.split('||').some((set) => {
    const s = set.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1');
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(s);
    if (hyphen) return one(`>=${hyphen[1]}`) && one(`<=${hyphen[2]}`);
    return s.split(/\s+/).every(one);
  });
}

describe('package.json engines', () => {
  const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
  const lowest = /^>=\s*(\d+\.\d+\.\d+)$/.exec(pkg.engines.node)?.[1];

  it('reads ranges as npm does (the checker itself)', () => {
    expect(satisfies('20.19.0', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfies('20.18.3', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('20.20.2', '>=22')).toBe(false);
    expect(satisfies('20.20.2', '10.* || >= 12.*')).toBe(true);
    expect(satisfies('21.0.0', '^20.0.0 || ^22.0.0 || >=24.0.0')).toBe(false);
    expect(satisfies('20.20.2', '>= 10.x')).toBe(true);
  });

  it('declares a lower bound that covers the Node running the tests', () => {
    expect(lowest).toBeDefined();
    expect(satisfies(process.version, pkg.engines.node)).toBe(true);
  });

  it('no locked package wants a newer Node than the lowest declared one (npm ci on it is silent: no EBADENGINE)', () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };
    const refusing: string[] = [];
    for (const [path, p] of Object.entries(lock.packages)) {
      const node = Array.isArray(p.engines) ? undefined : p.engines?.node;
      if (path === '' || node === undefined) continue;
      for (const v of [lowest!, process.version]) if (!satisfies(v, node)) refusing.push(`${path} wants node ${node}, not ${v}`);
    }
    expect(refusing).toEqual([]);
  });
});

describe('licence and README', () => {
  it('has an MIT LICENSE matching package.json', () => {
    const text = read('LICENSE');
    expect(text).toMatch(/^MIT License\n/);
    expect(text).toContain('Copyright (c) 2026 the ntmaldetect authors');
    expect(JSON.parse(read('package.json')).license).toBe('MIT');
  });

  it('says the package is ESM-only and shows the import() form for CommonJS', () => {
    const pkg = JSON.parse(read('package.json')) as { type: string; exports: Record<string, unknown> };
    expect(pkg.type).toBe('module');
    // No require condition anywhere in the exports: ESM-only is true.
    expect(JSON.stringify(pkg.exports)).not.toContain('"require"');
    const readme = read('README.md');
    expect(readme).toContain('ESM-only');
    expect(readme).toContain("await import('ntmaldetect')");
  });
});

describe('a test run leaves no temporary files (test/global-setup.ts)', () => {
  it("gives the tests a private temporary folder, which the run's teardown checks and removes", () => {
    // Set by the global setup before the test files start; inherited by their children.
    expect(basename(tmpdir())).toMatch(/^ntmd-run-/);
    expect(process.env.TMPDIR).toBe(tmpdir());
    expect(dirname(tmpdir())).not.toBe(tmpdir());
  });

  it('lists what was left, with sizes', () => {
    const dir = scratchDir();
    mkdirSync(join(dir, 'wine-AbC123', 'server-fe00-1'), { recursive: true });
    writeFileSync(join(dir, 'wine-AbC123', 'server-fe00-1', 'lock'), 'x'.repeat(1500));
    writeFileSync(join(dir, 'a.log'), 'abc');
    expect(tmpLeftovers(dir)).toEqual(['a.log (3 bytes)', 'wine-AbC123 (1,500 bytes)']);
    expect(tmpLeftovers(join(dir, 'missing'))).toEqual([]);
  });
});
