/**
 * `ntmaldetect features`: the most informative n-grams of each classifier of a model.
 */
import type { Command, CliIO, ParsedValues } from '../command.js';
import { println } from '../command.js';
import { compactNgram, count, modelFromArgs, modelHelp, modelOptions, signed, topFromArgs } from '../model-args.js';
import { topFeaturesSync } from '../../api/explain.js';

const help = `Usage: ntmaldetect features [options]

Lists, for each classifier of the model, the n-grams whose weight pushes hardest towards
malicious and towards benign. For naive Bayes the weight is the log-odds of the feature
(ln P(f|malicious) - ln P(f|benign) per unit of TF-IDF); for the linear SVMs, the coefficient.

Options:
${modelHelp}
  --top N              n-grams per class and classifier (default 10)
  --json               as JSON

Example:
  ntmaldetect features --model my.ntmd --top 5`;

const command: Command = {
  name: 'features',
  help,
  options: { ...modelOptions, top: { type: 'string' }, json: { type: 'boolean' } },
  allowPositionals: false,
  async run(values: ParsedValues, _positionals: string[], io: CliIO): Promise<number> {
    const top = topFromArgs(values, 10);
    const model = await modelFromArgs(values, io.cwd);
    const members = topFeaturesSync(model, { top });
    if (values.json === true) {
      println(io.stdout, JSON.stringify({ vocabularySize: model.tfidf.vocabularySize, members }));
      return 0;
    }
    members.forEach((m, i) => {
      if (i > 0) println(io.stdout);
      println(io.stdout, `${m.name}: ${count(m.features)} non-zero weights; ${m.bias.label} ${signed(m.bias.value)}`);
      println(io.stdout, '  towards malicious:');
      for (const f of m.malicious) println(io.stdout, `  ${signed(f.weight).padStart(12)}  ${compactNgram(f.ngram)}`);
      println(io.stdout, '  towards benign:');
      for (const f of m.benign) println(io.stdout, `  ${signed(f.weight).padStart(12)}  ${compactNgram(f.ngram)}`);
    });
    return 0;
  },
};

export default command;
