import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { VERDICT_JSON_SCHEMA } from '../../api/verdict-json.js';
import { corpusDir, requireShared } from '../../../test/shared.js';
import { scratchDir } from '../../../test/tmp.js';
import { runCliWith } from '../../../test/cli.js';

requireShared();

const BEN = [
  'LOG_epo.exe.txt',
  'LOG_binary_search.exe.txt',
  'LOG_ARP.EXE.txt',
  'LOG_AtBroker.exe.txt',
  'LOG_Elevator.exe.txt',
  'LOG_ExtExport.exe.txt',
];
const MAL = [
  'LOG_cn1.exe.txt',
  'LOG_36000.exe.txt',
  'LOG_Fallen.dat.txt',
  'LOG_094655ae-cca8-11e7-a5f7-80e65024849a.exe.txt',
  'LOG_09e94082-cca8-11e7-9fbe-80e65024849a.exe.txt',
];

const dir = scratchDir('ntmd-cli-');
const modelPath = join(dir, 'm.ntmd');

/** Runs the CLI in process in the test's folder. */
const cli = (args: string[], stdin = '') => runCliWith(args, { cwd: dir, stdin });

/** Calls NtTrace traces that no trace of the corpus holds. */
const UNSEEN_NT_CALLS = [
  'NtAcceptConnectPort',
  'NtAccessCheckAndAuditAlarm',
  'NtAccessCheckByTypeAndAuditAlarm',
  'NtAccessCheckByTypeResultList',
  'NtAccessCheckByTypeResultListAndAuditAlarm',
  'NtAcquireCMFViewOwnership',
  'NtAcquireCrossVmMutant',
  'NtAcquireProcessActivityReference',
  'NtAddAtom',
  'NtAddAtomEx',
  'NtAddBootEntry',
  'NtAddDriverEntry',
  'NtAdjustGroupsToken',
  'NtAdjustTokenClaimsAndDeviceGroups',
  'NtAlertMultipleThreadByThreadId',
  'NtAlertResumeThread',
  'NtAlertThread',
];
const validateVerdict = new Ajv({ strict: false }).compile(VERDICT_JSON_SCHEMA);

const trainArgs = (out: string) => [
  'train',
  ...BEN.flatMap((f) => ['--benign', join(corpusDir, 'sysBEN', f)]),
  ...MAL.flatMap((f) => ['--malicious', join(corpusDir, 'sysMAL', f)]),
  '--preset',
  'ntmaldetect-2018',
  '--out',
  out,
];

beforeAll(async () => {
  const r = await cli([...trainArgs('m.ntmd'), '--json']);
  if (r.code !== 0) throw new Error(`training failed: ${r.stderr}`);
  // Traces to scan: two benign, two malicious, an empty one, in nested folders.
  mkdirSync(join(dir, 'traces', 'good'), { recursive: true });
  mkdirSync(join(dir, 'traces', 'bad', 'deeper'), { recursive: true });
  mkdirSync(join(dir, 'none'));
  copyFileSync(join(corpusDir, 'sysBEN', BEN[2]), join(dir, 'traces', 'good', 'a.txt'));
  copyFileSync(join(corpusDir, 'sysBEN', BEN[3]), join(dir, 'traces', 'good', 'b.txt'));
  copyFileSync(join(corpusDir, 'sysMAL', MAL[0]), join(dir, 'traces', 'bad', 'c.txt'));
  copyFileSync(join(corpusDir, 'sysMAL', MAL[1]), join(dir, 'traces', 'bad', 'deeper', 'd.txt'));
  writeFileSync(join(dir, 'traces', 'bad', 'empty.txt'), '');
  writeFileSync(join(dir, 'empty.txt'), '');
});

describe('ntmaldetect train', () => {
  it('writes a model and a JSON summary; the same run gives the same bytes', async () => {
    const r = await cli([...trainArgs('again.ntmd'), '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({
      out: 'again.ntmd',
      preset: 'ntmaldetect-2018',
      traces: 11,
      benign: 6,
      malicious: 5,
      skippedEmpty: 0,
      policy: 'any',
      seed: 0,
      signed: false,
    });
    expect(s.members.map((m: { name: string }) => m.name)).toEqual(['multinomial-nb', 'linear-svc']);
    expect(s.bytes).toBe(readFileSync(join(dir, 'again.ntmd')).length);
    expect(readFileSync(join(dir, 'again.ntmd')).equals(readFileSync(modelPath))).toBe(true);
  });

  it('prints a readable summary', async () => {
    const r = await cli([
      'train',
      '--benign',
      join(corpusDir, 'sysBEN', BEN[0]),
      '--malicious',
      join(corpusDir, 'sysMAL', MAL[0]),
      '--preset',
      'ntmaldetect-2018',
      '--out',
      'two.ntmd',
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('trained on 2 traces (1 benign, 1 malicious; 0 duplicates kept), 0 empty files skipped');
    expect(lines[1]).toMatch(/^features: [\d,]+ 10-grams over 766 calls$/);
    expect(lines[2]).toMatch(/^member multinomial-nb: [\d,]+ non-zero weights$/);
    expect(lines[4]).toBe('policy any, seed 0');
    expect(lines[5]).toMatch(/^wrote two\.ntmd \([\d,]+ bytes\) in \d+\.\d s$/);
  });

  it('reports usage mistakes and bad corpora on one line with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['train', '--corpus', corpusDir], /^ntmaldetect: train: --out F is required/],
      [
        ['train', '--corpus', corpusDir, '--benign', 'x', '--out', 'o'],
        /^ntmaldetect: train: give --corpus or --benign\/--malicious, not both/,
      ],
      [['train', '--benign', 'x', '--out', 'o'], /^ntmaldetect: train: give --corpus DIR, or both --benign and --malicious/],
      [
        ['train', '--corpus', 'none', '--out', 'o'],
        /^ntmaldetect: \S*none holds no trace: expected the folders sysBEN\/ \(benign\) and sysMAL\/ \(malicious\)/,
      ],
      [['train', '--corpus', 'missing', '--out', 'o'], /^ntmaldetect: \S*missing not found/],
      [['train', '--corpus', corpusDir, '--out', 'o', '--preset', 'nope'], /^ntmaldetect: unknown preset "nope"; known presets: /],
      [['train', '--corpus', corpusDir, '--out', 'o', '--ngram-range', '3-4'], /^ntmaldetect: --ngram-range must be A,B/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });
});

describe('ntmaldetect scan', () => {
  it('prints a table, scans folders recursively, skips empty files found there (exit 1: malicious)', async () => {
    const r = await cli(['scan', '--model', 'm.ntmd', 'traces']);
    expect(r.code).toBe(1);
    const rows = r.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^FILE\s+VERDICT\s+multinomial-nb\s+linear-svc\s+CALLS$/);
    expect(rows.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([
      'traces/bad/c.txt',
      'traces/bad/deeper/d.txt',
      'traces/good/a.txt',
      'traces/good/b.txt',
    ]);
    expect(rows[1]).toMatch(/^traces\/bad\/c\.txt\s+MALICIOUS\s+\+\d+\.\d{4} M\s+[+-]\d+\.\d{4} [Mb]\s+395$/);
    expect(r.stderr).toContain('ntmaldetect scan: warning: skipped empty file traces/bad/empty.txt\n');
    expect(r.stderr).toMatch(
      /4 traces judged \(policy any\): \d malicious, \d benign, 0 unfamiliar, 0 insufficient; 0 refused, 0 errors; 1 file skipped \(1 empty, 0 not traces\)\n$/,
    );
  });

  it('writes one verdict record per trace, and a refused or error record for an input it cannot judge', async () => {
    const r = await cli(['scan', '--model', 'm.ntmd', '--json', 'traces/bad/c.txt', 'missing.txt', 'empty.txt', 'none']);
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({
      file: 'traces/bad/c.txt',
      verdict: 'malicious',
      malicious: true,
      unfamiliar: false,
      insufficient: false,
      policy: 'any',
      calls: 395,
    });
    expect(Object.keys(lines[0])).toEqual([
      'schemaVersion',
      'file',
      'verdict',
      'malicious',
      'unfamiliar',
      'insufficient',
      'policy',
      'members',
      'calls',
      'ngrams',
      'knownNgrams',
      'unknownNgramFraction',
    ]);
    expect(lines[0].members.map((m: { name: string }) => m.name)).toEqual(['multinomial-nb', 'linear-svc']);
    expect(lines.slice(1)).toEqual([
      {
        schemaVersion: 2,
        file: 'missing.txt',
        verdict: 'error',
        error: { code: 'TRACE_UNREADABLE', message: 'no such file or directory' },
      },
      {
        schemaVersion: 2,
        file: 'empty.txt',
        verdict: 'refused',
        error: { code: 'EMPTY_TRACE', message: 'empty.txt is an empty trace (0 bytes): expected an NtTrace log or a reduced trace' },
      },
      { schemaVersion: 2, file: 'none', verdict: 'error', error: { code: 'TRACE_UNREADABLE', message: 'the folder holds no file' } },
    ]);
    for (const l of lines) expect(validateVerdict(l), JSON.stringify(validateVerdict.errors)).toBe(true);
  });

  it('exits 0 when all is benign, 2 when a trace failed and none is malicious, 1 when malicious beats errors', async () => {
    const benign = await cli(['scan', '--model', 'm.ntmd', '--harsh', 'traces/good']);
    expect(benign.stdout).not.toMatch(/MALICIOUS/);
    expect(benign.code).toBe(0);
    expect((await cli(['scan', '--model', 'm.ntmd', '--harsh', 'traces/good', 'missing.txt'])).code).toBe(2);
    expect((await cli(['scan', '--model', 'm.ntmd', 'missing.txt', 'traces/bad/c.txt'])).code).toBe(1);
  });

  it('calls a trace the model knows too little of unfamiliar: exit 3, or 0 with --unfamiliar-ok, and shows no votes', async () => {
    // Calls NtTrace traces, none of which the corpus holds.
    writeFileSync(join(dir, 'strange.txt'), Array.from({ length: 300 }, (_, i) => UNSEEN_NT_CALLS[i % 17]).join('\n'));
    const r = await cli(['scan', '--model', 'm.ntmd', 'strange.txt']);
    expect(r.code).toBe(3);
    const row = r.stdout.trim().split('\n')[1];
    expect(row).toMatch(/^strange\.txt\s+unfamiliar\s+0 known\s+300$/);
    expect(r.stderr).toContain(
      'ntmaldetect scan: strange.txt: unfamiliar: 0 distinct n-grams of the trace are known to the model (0.0% of its 291), fewer than the 50 a verdict needs',
    );
    expect(r.stderr).toMatch(/1 trace judged \(policy any\): 0 malicious, 0 benign, 1 unfamiliar, 0 insufficient; 0 refused, 0 errors/);
    expect((await cli(['scan', '--model', 'm.ntmd', '--unfamiliar-ok', 'strange.txt'])).code).toBe(0);
    // Malicious and failed traces still decide the exit code first.
    expect((await cli(['scan', '--model', 'm.ntmd', 'strange.txt', 'missing.txt'])).code).toBe(2);
    expect((await cli(['scan', '--model', 'm.ntmd', 'strange.txt', 'traces/bad/c.txt'])).code).toBe(1);
    // A minimum of 0 known n-grams still refuses a trace with none; --min-known takes whole numbers.
    expect((await cli(['scan', '--model', 'm.ntmd', '--min-known', '0', 'strange.txt'])).code).toBe(3);
    const bad = await cli(['scan', '--model', 'm.ntmd', '--min-known', '0.5', 'strange.txt']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--min-known/);
    const json = JSON.parse((await cli(['scan', '--model', 'm.ntmd', '--json', 'strange.txt'])).stdout);
    expect(json).toMatchObject({
      schemaVersion: 2,
      verdict: 'unfamiliar',
      malicious: false,
      unfamiliar: true,
      knownNgrams: 0,
      ngrams: 291,
      members: [],
    });
    expect(validateVerdict(json), JSON.stringify(validateVerdict.errors)).toBe(true);
  });

  it('skips files met in a folder that are not traces (listed, counted), and refuses one named on the command line (exit 2)', async () => {
    mkdirSync(join(dir, 'mixed', 'sub'), { recursive: true });
    copyFileSync(join(corpusDir, 'sysBEN', BEN[2]), join(dir, 'mixed', 'a.txt'));
    writeFileSync(join(dir, 'mixed', 'NOTES.md'), '# Notes\n\nThese traces came from the lab, see the ticket.\n');
    writeFileSync(join(dir, 'mixed', 'meta.json'), JSON.stringify({ traces: 2, source: 'lab' }, null, 2));
    writeFileSync(join(dir, 'mixed', 'sub', 'numbers.txt'), Array.from({ length: 2000 }, (_, i) => i + 1).join('\n'));
    writeFileSync(join(dir, 'mixed', 'sub', 'binary.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0]));
    const r = await cli(['scan', '--model', 'm.ntmd', 'mixed']);
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['mixed/a.txt']);
    expect(r.stderr).toContain('ntmaldetect scan: skipped mixed/NOTES.md: not a trace (no call lines)\n');
    expect(r.stderr).toContain('ntmaldetect scan: skipped mixed/meta.json: not a trace (no call lines)\n');
    expect(r.stderr).toContain('ntmaldetect scan: skipped mixed/sub/binary.bin: not a trace (a binary file)\n');
    expect(r.stderr).toContain('ntmaldetect scan: skipped mixed/sub/numbers.txt: not a trace (its lines are not system calls)\n');
    expect(r.stderr).toMatch(
      /1 trace judged \(policy any\): 0 malicious, 1 benign, 0 unfamiliar, 0 insufficient; 0 refused, 0 errors; 4 files skipped \(0 empty, 4 not traces\)\n$/,
    );
    // --quiet silences the list, not the summary.
    expect((await cli(['scan', '--quiet', '--model', 'm.ntmd', 'mixed'])).stderr).not.toContain('skipped mixed/');
    // Named: refused, exit 2.
    const named = await cli(['scan', '--model', 'm.ntmd', 'mixed/sub/numbers.txt']);
    expect(named.code).toBe(2);
    expect(named.stdout.trim().split('\n')[1]).toBe(
      'mixed/sub/numbers.txt  refused       mixed/sub/numbers.txt is not a trace: 2000 lines, 2000 read as calls, of which 0 (0.0%) are known calls ' +
        '(first: "1", "2", "3"); the model expects NT system calls (the 537 calls NtTrace traces, such as NtOpenFile), at least 50% of the calls',
    );
    const json = JSON.parse((await cli(['scan', '--model', 'm.ntmd', '--json', 'mixed/NOTES.md'])).stdout);
    expect(json).toMatchObject({ schemaVersion: 2, file: 'mixed/NOTES.md', verdict: 'refused', error: { code: 'NO_CALLS' } });
    expect(validateVerdict(json), JSON.stringify(validateVerdict.errors)).toBe(true);
  });

  it('expands quoted glob patterns itself, in name order; a pattern matching nothing is an error', async () => {
    const r = await cli(['scan', '--model', 'm.ntmd', '--json', 'traces/**/*.txt']);
    expect(r.code).toBe(1);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).file),
    ).toEqual(['traces/bad/c.txt', 'traces/bad/deeper/d.txt', 'traces/good/a.txt', 'traces/good/b.txt']);
    expect(r.stderr).toContain('1 file skipped (1 empty, 0 not traces)');
    const one = await cli(['scan', '--model', 'm.ntmd', '--json', 'traces/good/?.txt']);
    expect(
      one.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).file),
    ).toEqual(['traces/good/a.txt', 'traces/good/b.txt']);
    const none = await cli(['scan', '--model', 'm.ntmd', '--json', 'traces/*.nothing']);
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stdout)).toEqual({
      schemaVersion: 2,
      file: 'traces/*.nothing',
      verdict: 'error',
      error: { code: 'TRACE_UNREADABLE', message: 'no file matches this pattern' },
    });
  });

  it('shows no vote for an insufficient trace, and says why', async () => {
    writeFileSync(join(dir, 'short.txt'), 'NtOpenKey\nNtClose\nNtClose\n');
    const r = await cli(['scan', '--model', 'm.ntmd', 'short.txt']);
    expect(r.code).toBe(3);
    expect(r.stdout.trim().split('\n')[1]).toMatch(/^short\.txt\s+insufficient\s+no n-gram\s+3$/);
    expect(r.stdout).not.toMatch(/ M\b| b\b/);
    expect(r.stderr).toContain(
      'ntmaldetect scan: short.txt: insufficient: the trace has 3 calls, fewer than the 10 an n-gram of the model needs\n',
    );
    const json = JSON.parse((await cli(['scan', '--model', 'm.ntmd', '--json', 'short.txt'])).stdout);
    expect(json).toMatchObject({
      verdict: 'insufficient',
      members: [],
      reason: 'the trace has 3 calls, fewer than the 10 an n-gram of the model needs',
    });
    expect(validateVerdict(json), JSON.stringify(validateVerdict.errors)).toBe(true);
  });

  it('reads standard input with -', async () => {
    const r = await cli(['scan', '--model', 'm.ntmd', '--json', '-'], readFileSync(join(corpusDir, 'sysMAL', MAL[0]), 'utf8'));
    expect(JSON.parse(r.stdout)).toMatchObject({ file: '-', malicious: true, calls: 395 });
  });

  it('applies --harsh (= --policy all) and rejects both together', async () => {
    const any = JSON.parse((await cli(['scan', '--model', 'm.ntmd', '--json', 'traces/good/a.txt'])).stdout);
    const harsh = JSON.parse((await cli(['scan', '--model', 'm.ntmd', '--json', '--harsh', 'traces/good/a.txt'])).stdout);
    expect(harsh.policy).toBe('all');
    expect(harsh.malicious).toBe(any.members.every((m: { malicious: boolean }) => m.malicious));
    const both = await cli(['scan', '--model', 'm.ntmd', '--harsh', '--policy', 'any', 'traces']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('ntmaldetect: --harsh means --policy all: give one or the other\n');
    const mean = await cli(['scan', '--model', 'm.ntmd', '--policy', 'mean', 'traces']);
    expect(mean.code).toBe(2);
    expect(mean.stderr).toMatch(/^ntmaldetect: invalid option policy: .*this model is not calibrated\)/);
  });

  it('refuses a bad model file or an untrusted one with one line and exit 2', async () => {
    writeFileSync(join(dir, 'cut.ntmd'), readFileSync(modelPath).subarray(0, 100));
    const cut = await cli(['scan', '--model', 'cut.ntmd', 'traces']);
    expect(cut.code).toBe(2);
    expect(cut.stderr).toMatch(/^ntmaldetect: cut\.ntmd: model file is truncated: 100 bytes, but its prefix declares \d+\n$/);
    const missing = await cli(['scan', '--model', 'nope.ntmd', 'traces']);
    expect(missing.stderr).toBe('ntmaldetect: nope.ntmd: cannot read the model file: no such file\n');
    const debug = await cli(['scan', '--model', 'cut.ntmd', 'traces', '--debug']);
    expect(debug.stderr).toMatch(/TruncatedModelError: .*\n\s+at /);
  });

  it('signs with --sign-key and checks with --trust-key', async () => {
    const a = generateKeyPairSync('ed25519');
    const b = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'a.pem'), a.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    writeFileSync(join(dir, 'a.pub'), a.publicKey.export({ format: 'pem', type: 'spki' }));
    writeFileSync(join(dir, 'b.pub'), b.publicKey.export({ format: 'pem', type: 'spki' }));
    const t = await cli([...trainArgs('signed.ntmd'), '--sign-key', 'a.pem', '--json']);
    expect(JSON.parse(t.stdout).signed).toBe(true);
    expect((await cli(['scan', '--model', 'signed.ntmd', '--trust-key', 'a.pub', 'traces/good'])).code).toBe(0);
    const other = await cli(['scan', '--model', 'signed.ntmd', '--trust-key', 'b.pub', 'traces/good']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(
      /^ntmaldetect: signed\.ntmd: model is not signed by the trusted key: signed by key [0-9a-f]{16}\.\.\., not by the trusted key/,
    );
    const unsigned = await cli(['scan', '--model', 'm.ntmd', '--trust-key', 'a.pub', 'traces/good']);
    expect(unsigned.stderr).toBe('ntmaldetect: m.ntmd: model is not signed by the trusted key: the model is not signed\n');
  });
});

describe('ntmaldetect explain and features', () => {
  it('explains a trace: contributions and the bias sum to each score', async () => {
    const r = await cli(['explain', '--model', 'm.ntmd', '--json', '--top', '4', 'traces/bad/c.txt']);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.file).toBe('traces/bad/c.txt');
    expect(e.verdict).toMatchObject({ malicious: true, calls: 395 });
    for (const m of e.members) {
      expect(m.contributions).toHaveLength(Math.min(4, m.total));
      const sum = m.contributions.reduce((s: number, c: { contribution: number }) => s + c.contribution, 0) + m.rest + m.bias.value;
      expect(Math.abs(sum - m.score)).toBeLessThan(1e-9);
    }
    const text = await cli(['explain', '--model', 'm.ntmd', '--top', '2', 'traces/bad/c.txt']);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe('traces/bad/c.txt: MALICIOUS (policy any); 395 calls, 386 n-grams, 0.0% unknown');
    expect(lines[2]).toMatch(/^multinomial-nb: score \+\d+\.\d{4} -> malicious; [\d,]+ non-zero contributions$/);
    expect(lines[3]).toMatch(/^\s+[+-]\d+\.\d{4}\s+\(prior\)$/);
    expect(lines[4]).toMatch(/^\s+[+-]\d+\.\d{4}\s+nt[a-z]+.* \((once|\d+ times), lines \d+/);
    expect(lines[6]).toMatch(/^\s+[+-]\d+\.\d{4}\s+\([\d,]+ more contributions\)$/);
  });

  it('lists the most informative features', async () => {
    const r = await cli(['features', '--model', 'm.ntmd', '--top', '3', '--json']);
    const f = JSON.parse(r.stdout);
    expect(f.members.map((m: { name: string }) => m.name)).toEqual(['multinomial-nb', 'linear-svc']);
    expect(f.members[0].malicious).toHaveLength(3);
    expect(f.members[0].benign).toHaveLength(3);
    // The L1-selected SVC of this small model keeps few features: at most 3 per side.
    const svc = f.members[1];
    expect(svc.malicious.length).toBeLessThanOrEqual(3);
    expect(svc.benign.length).toBeLessThanOrEqual(3);
    expect(svc.malicious.length + svc.benign.length).toBeGreaterThanOrEqual(Math.min(3, svc.features));
    const text = await cli(['features', '--model', 'm.ntmd', '--top', '1']);
    expect(text.stdout).toMatch(
      /^multinomial-nb: [\d,]+ non-zero weights; prior [+-]\d+\.\d{4}\n  towards malicious:\n\s+\+\d+\.\d{4}  nt.*\n  towards benign:\n\s+-\d+\.\d{4}  nt.*\n\nlinear-svc: /,
    );
  });

  it('has --help on every command', async () => {
    for (const c of ['scan', 'train', 'explain', 'features']) {
      const r = await cli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: ntmaldetect ${c} `));
    }
  });
});
