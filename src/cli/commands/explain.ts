/**
 * `ntmaldetect explain`: why the model judges a trace as it does — each classifier's
 * decision value broken into n-gram contributions and its intercept or prior term.
 */
import { resolve } from 'node:path';
import type { Command, CliIO, ParsedValues } from '../command.js';
import { UsageError, println } from '../command.js';
import { compactNgram, count, modelFromArgs, modelHelp, modelOptions, policyFromArgs, signed, topFromArgs } from '../model-args.js';
import { explain } from '../../api/explain.js';
import type { Explanation } from '../../api/explain.js';
import { verdictLabel } from '../../api/verdict.js';

const help = `Usage: ntmaldetect explain [options] <file|->

Shows, for each classifier of the model, the n-grams of the trace that move its decision
value the most (contribution = TF-IDF value x weight; > 0 towards malicious), where they
occur (line ranges of the file), and the intercept or prior term. All contributions plus
that term sum to the decision value. '-' reads the trace from standard input (plain or
gzip'd), as 'scan -' does.

Options:
${modelHelp}
  --top N              contributions shown per classifier (default 10; the rest is summed)
  --policy P           any | all | majority | mean (default: the model's)
  --harsh              = --policy all
  --json               the whole explanation as JSON

Examples:
  ntmaldetect explain --top 5 suspicious.log
  nttrace app.exe | ntmaldetect explain -`;

function ranges(r: readonly (readonly [number, number])[], lineNumbers: boolean): string {
  const shown = r.slice(0, 3).map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
  return `${lineNumbers ? 'lines' : 'calls'} ${shown.join(', ')}${r.length > 3 ? `, +${r.length - 3} more` : ''}`;
}

/** The human-readable explanation. */
export function renderExplanation(name: string, e: Explanation): string[] {
  const v = e.verdict;
  const out: string[] = [];
  const unknown = v.unknownNgramFraction === null ? 'no n-grams' : `${(v.unknownNgramFraction * 100).toFixed(1)}% unknown`;
  const word = verdictLabel(v);
  // An unfamiliar or insufficient trace gets no decision: the members' scores are shown as
  // what they would rest on, not as votes.
  const decided = v.verdict === 'malicious' || v.verdict === 'benign';
  out.push(`${name}: ${word} (policy ${v.policy}); ${count(v.calls)} calls, ${count(v.ngrams)} n-grams, ${unknown}`);
  if (v.reason) out.push(`  reason: ${v.reason}`);
  if (v.warning) out.push(`  warning: ${v.warning}`);
  for (const m of e.members) {
    const prob = m.probability !== undefined ? `, P(malicious) ${m.probability.toFixed(4)}` : '';
    out.push('');
    out.push(
      `${m.name}: score ${signed(m.score)} -> ${decided ? (m.malicious ? 'malicious' : 'benign') : `no vote (${v.verdict})`}${prob}; ${count(m.total)} non-zero contributions`,
    );
    out.push(`  ${signed(m.bias.value).padStart(12)}  (${m.bias.label})`);
    for (const c of m.contributions) {
      out.push(
        `  ${signed(c.contribution).padStart(12)}  ${compactNgram(c.ngram)}  (${c.count === 1 ? 'once' : `${c.count} times`}, ${ranges(c.lines, e.lineNumbers)})`,
      );
    }
    const left = m.total - m.contributions.length;
    if (left > 0) out.push(`  ${signed(m.rest).padStart(12)}  (${count(left)} more contributions)`);
  }
  return out;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(parts);
}

const command: Command = {
  name: 'explain',
  help,
  options: { ...modelOptions, top: { type: 'string' }, policy: { type: 'string' }, harsh: { type: 'boolean' }, json: { type: 'boolean' } },
  allowPositionals: true,
  async run(values: ParsedValues, positionals: string[], io: CliIO): Promise<number> {
    if (positionals.length !== 1) throw new UsageError('explain: give exactly one trace file, or - for standard input');
    const top = topFromArgs(values, 10);
    const policy = policyFromArgs(values);
    const model = await modelFromArgs(values, io.cwd);
    const file = positionals[0];
    // Standard input is read whole: the explanation points at its lines.
    const input = file === '-' ? new Uint8Array(await readAll(io.stdin)) : { path: resolve(io.cwd, file) };
    const e = await explain(input, { model, top, source: file === '-' ? 'standard input' : file, ...(policy ? { policy } : {}) });
    if (values.json === true) println(io.stdout, JSON.stringify({ file, ...e }));
    else for (const line of renderExplanation(file, e)) println(io.stdout, line);
    return 0;
  },
};

export default command;
