import { beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { isAlive } from '../../runner/process.js';
import { runCliWith } from '../../../test/cli.js';
import { train } from '../../api/train.js';
import { detect } from '../../api/detect.js';
import { Ajv } from 'ajv';
import { VERDICT_JSON_SCHEMA, verdictJson } from '../../api/verdict-json.js';

const validateVerdict = new Ajv({ strict: false }).compile(VERDICT_JSON_SCHEMA);
import type { Model } from '../../model/model.js';
import { corpusDir, requireShared } from '../../../test/shared.js';
import { FAKE, RAW_BENIGN, sleeper, tempDir, waitGone } from '../../runner/test-helpers/fake.js';

requireShared();
let model: Model;
let modelPath: string;
const dir = tempDir();

beforeAll(async () => {
  // Naive Bayes alone: quick to train, and enough to check what the CLI prints.
  model = await train(corpusDir, { preset: 'ntmaldetect-2018', members: [{ kind: 'multinomial-nb', alpha: 0.01, fitPrior: true }] });
  modelPath = join(dir, 'nb.ntmd');
  await model.save(modelPath);
}, 120_000);

function cli(args: string[], env: Record<string, string | undefined> = { PATH: process.env.PATH }, onOut?: (chunk: string) => void) {
  return runCliWith(args, { env, cwd: dir, onOut });
}

const fake = (...args: string[]) => ['--nttrace', FAKE, ...args.map((a) => `--nttrace-arg=${a}`)];
const malicious = readdirSync(join(corpusDir, 'raw', 'malicious')).map((f) => join(corpusDir, 'raw', 'malicious', f));

describe('ntmaldetect run', () => {
  it('--json: one event per line, ending with the final verdict detect() gives; exit code from the verdict', async () => {
    for (const log of [RAW_BENIGN, ...malicious]) {
      const res = await cli([
        'run',
        '--model',
        modelPath,
        '--json',
        '--interval',
        '100ms',
        ...fake('-fake-replay', log, '-fake-batch', '200', '-fake-pause-ms', '30'),
        '--',
        process.execPath,
      ]);
      const events = res.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; verdict?: unknown; calls?: number });
      const final = events.at(-1)!;
      expect(final.type).toBe('final');
      expect(events.at(-2)).toEqual({ type: 'exit', code: 0, signal: null });
      const expected = await detect({ path: log }, { model });
      expect(final.verdict).toEqual(JSON.parse(JSON.stringify(verdictJson(expected))));
      // Every verdict inside the events is the one verdict record (docs/cli.md, "Verdict JSON").
      for (const ev of events.filter((e) => e.verdict !== undefined))
        expect(validateVerdict(ev.verdict), JSON.stringify(validateVerdict.errors)).toBe(true);
      expect(res.code).toBe(expected.malicious ? 1 : 0);
      expect(res.stderr).toBe('');
    }
  });

  it('prints a live line per verdict and the final verdict with each member', async () => {
    const res = await cli([
      'run',
      '--model',
      modelPath,
      '--interval',
      '100ms',
      ...fake('-fake-replay', RAW_BENIGN, '-fake-batch', '100', '-fake-pause-ms', '40'),
      '--',
      process.execPath,
    ]);
    const lines = res.stdout.trim().split('\n');
    const live = lines.filter((l) => /^\s+\d+\.\ds\s+[\d,]+ calls  /.test(l));
    expect(live.length).toBeGreaterThanOrEqual(2);
    const final = lines.findIndex((l) => l.startsWith('final: '));
    expect(lines[final]).toMatch(/^final: (benign|MALICIOUS|insufficient) \(policy any\) after [\d,]+ calls in \d+\.\ds$/);
    expect(lines.slice(final + 1).some((l) => /^ {2}multinomial-nb +(benign|malicious) +score [-\d.]+$/.test(l))).toBe(true);
  });

  it('exits 2 when NtTrace fails after some verdicts (1 if the verdict so far is malicious), still printing that verdict', async () => {
    for (const log of [RAW_BENIGN, ...malicious]) {
      const res = await cli([
        'run',
        '--model',
        modelPath,
        '--json',
        '--interval',
        '50ms',
        ...fake(
          '-fake-replay',
          log,
          '-fake-mode',
          'fail',
          '-fake-after',
          '400',
          '-fake-exit-code',
          '3',
          '-fake-batch',
          '50',
          '-fake-pause-ms',
          '20',
        ),
        '--',
        process.execPath,
      ]);
      const events = res.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; error?: { code: string }; verdict?: { malicious: boolean } });
      expect(events.some((e) => e.type === 'verdict')).toBe(true);
      const final = events.at(-1)!;
      expect(final).toMatchObject({ type: 'final', error: { code: 'TRACER_FAILED' } });
      expect(res.code).toBe(final.verdict!.malicious ? 1 : 2);
      expect(res.stderr).toMatch(/^ntmaldetect: NtTrace exited with code 3: Unable to read configuration/);
    }
  });

  it('reports a missing NtTrace, a missing program and usage mistakes with exit code 2', async () => {
    const noTracer = await cli(['run', '--model', modelPath, '--', process.execPath], { PATH: dir });
    expect(noTracer.code).toBe(2);
    expect(noTracer.stderr).toMatch(/^ntmaldetect: NtTrace not found .*github\.com\/rogerorr\/NtTrace/);
    const noProgram = await cli(['run', '--model', modelPath, '--nttrace', FAKE, '--', 'no-such-program.exe'], { PATH: dir });
    expect(noProgram.stderr).toMatch(/^ntmaldetect: program not found: "no-such-program.exe"/);
    expect((await cli(['run', '--model', modelPath, '--nttrace', FAKE])).stderr).toMatch(/run needs a program/);
    expect((await cli(['run', '--model', modelPath, '--interval', 'soon', '--', process.execPath])).stderr).toMatch(
      /--interval: expected a duration/,
    );
    expect((await cli(['run', '--model', modelPath, '--harsh', '--policy', 'any', '--', process.execPath])).stderr).toMatch(
      /--harsh means --policy all/,
    );
    const bat = await cli(['run', '--model', modelPath, '--nttrace', FAKE, '--', 'x.bat']);
    expect(bat.code).toBe(2);
    expect(bat.stderr).toMatch(/refusing to trace the batch script/);
  });

  it('stops on a termination signal: Ctrl+C to NtTrace, final verdict, exit code from it, nothing left running', async () => {
    const pidFile = join(dir, 'stopped.pid');
    let signalled = false;
    const res = await cli(
      [
        'run',
        '--model',
        modelPath,
        '--json',
        '--interval',
        '100ms',
        ...fake('-fake-replay', RAW_BENIGN, '-fake-mode', 'hang', '-fake-spawn', '-fake-pidfile', pidFile),
        '--',
        process.execPath,
        '-e',
        'setInterval(()=>{},1000)',
      ],
      { PATH: process.env.PATH },
      (text) => {
        if (!signalled && text.includes('"type":"verdict"') && !text.includes('"calls":0')) {
          signalled = true;
          process.emit('SIGTERM');
        }
      },
    );
    expect(signalled).toBe(true);
    // NtTrace's "Detached" comes on its standard output, which is passed through as the program's console.
    expect(res.stderr).toMatch(/^ntmaldetect: stopping: sending Ctrl\+C to NtTrace\.\.\.\nDetached\n$/);
    const events = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; verdict?: { malicious: boolean } });
    expect(events.at(-2)).toEqual({ type: 'exit', code: 0, signal: null });
    const final = events.at(-1)!;
    expect(final.type).toBe('final');
    expect(res.code).toBe(final.verdict!.malicious ? 1 : 0);
    expect(await waitGone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });

  it("passes the program's console output to stderr, to --program-output F, or nowhere, never into the count", async () => {
    const rawCalls = readFileSync(RAW_BENIGN, 'latin1')
      .split('\n')
      .filter((l) => /^Nt\w+\(.*\) => /.test(l)).length;
    const printed = 'NtNtmdInjected( Handle=0x1 ) => 0\n';
    const batches = Math.ceil((readFileSync(RAW_BENIGN, 'latin1').split('\n').length - 1) / 500);
    const args = (...extra: string[]) => [
      'run',
      '--model',
      modelPath,
      '--json',
      ...extra,
      ...fake('-fake-replay', RAW_BENIGN, '-fake-batch', '500', '-fake-console', printed),
      '--',
      process.execPath,
    ];
    const finalCalls = (stdout: string) => (JSON.parse(stdout.trim().split('\n').at(-1)!) as { calls: number }).calls;

    const toStderr = await cli(args());
    expect(toStderr.stderr).toBe(printed.repeat(batches));
    expect(finalCalls(toStderr.stdout)).toBe(rawCalls);
    expect(toStderr.stdout).not.toContain('NtNtmdInjected');

    const file = join(dir, 'program-output.txt');
    const toFile = await cli(args('--program-output', file));
    expect(toFile.stderr).toBe('');
    expect(readFileSync(file, 'latin1')).toBe(printed.repeat(batches));
    expect(finalCalls(toFile.stdout)).toBe(rawCalls);

    const dropped = await cli(args('--no-program-output'));
    expect(dropped.stderr).toBe('');
    expect(finalCalls(dropped.stdout)).toBe(rawCalls);

    const both = await cli(args('--no-program-output', '--program-output', file));
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/exclude each other/);
    const bad = await cli(args('--program-output', join(dir, 'no', 'such', 'f.txt')));
    expect(bad.code).toBe(2);
    // Checked before NtTrace starts, naming the missing folder.
    expect(bad.stderr).toBe(
      `ntmaldetect: --program-output ${join(dir, 'no', 'such', 'f.txt')}: the folder ${join(dir, 'no', 'such')} does not exist\n`,
    );
  });

  it('exits 3 when the final verdict is unfamiliar (0 with --unfamiliar-ok), as scan', async () => {
    // A real NtTrace log of Wine's hostname.exe: the corpus model knows none of its ten-grams.
    const wineLog = join(__dirname, '..', '..', '..', 'fixtures', 'nttrace', 'hostname.master.log');
    const args = (...extra: string[]) => [
      'run',
      '--model',
      modelPath,
      '--json',
      ...extra,
      ...fake('-fake-replay', wineLog, '-fake-batch', '500'),
      '--',
      process.execPath,
    ];
    const res = await cli(args());
    expect(res.code).toBe(3);
    const final = JSON.parse(res.stdout.trim().split('\n').at(-1) as string);
    expect(final).toMatchObject({
      type: 'final',
      calls: 148,
      verdict: { verdict: 'unfamiliar', malicious: false, unfamiliar: true, knownNgrams: 0 },
    });
    expect((await cli(args('--unfamiliar-ok'))).code).toBe(0);
    expect((await cli(args('--min-known', '0'))).code).toBe(3);
    const human = await cli(['run', '--model', modelPath, ...fake('-fake-replay', wineLog, '-fake-batch', '500'), '--', process.execPath]);
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/unfamiliar/);
    expect((await cli(args('--min-known', 'x'))).code).toBe(2);
  });

  it('--harsh applies the all policy', async () => {
    const res = await cli(['run', '--model', modelPath, '--json', '--harsh', ...fake('-fake-replay', RAW_BENIGN), '--', process.execPath]);
    const final = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { verdict: { policy: string } };
    expect(final.verdict.policy).toBe('all');
  });
});

describe('ntmaldetect attach', () => {
  it("passes on NtTrace's message for a PID that does not exist", async () => {
    const gone = sleeper();
    await new Promise((r) => gone.once('spawn', r));
    const pid = gone.pid!;
    gone.kill('SIGKILL');
    await waitGone(pid);
    const res = await cli(['attach', '--model', modelPath, '--nttrace', FAKE, String(pid)]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`cannot attach to process ${pid}: OpenProcess failed to find pid ${pid}`);
  });

  it('classifies an attached process until it exits, and leaves nothing running', async () => {
    // A process that exits by itself after a few seconds, as a traced program would.
    const target = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
    await new Promise((r) => target.once('spawn', r));
    const res = await cli([
      'attach',
      '--model',
      modelPath,
      '--json',
      '--interval',
      '200ms',
      ...fake('-fake-replay', RAW_BENIGN),
      String(target.pid),
    ]);
    const events = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; calls?: number });
    expect(events.filter((e) => e.type === 'verdict').length).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)).toMatchObject({ type: 'final' });
    expect(res.stderr).toBe('');
    expect(res.code).toBeLessThan(2);
    expect(isAlive(target.pid!)).toBe(false);
  });

  it('refuses anything but one positive PID', async () => {
    for (const args of [[], ['12', '13'], ['abc'], ['0'], ['-1']]) {
      const res = await cli(['attach', '--model', modelPath, '--nttrace', FAKE, ...args]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/attach (takes exactly one PID|needs one PID)|Unknown option|unknown option/i);
    }
  });
});
