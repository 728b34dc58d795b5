/**
 * Options of the dataset layouts shared by `train`, `bench` and `scan`: `--format`,
 * `--alphabet`, and the columns of CSV/TSV tables. (Not a command: the commands are listed in
 * `commands.ts`.)
 */
import type { ParsedValues } from './command.js';
import { UsageError, stringOption } from './command.js';
import type { Alphabet, InputForm } from '../model/config.js';
import { ALPHABETS, INPUT_FORMS } from '../model/config.js';
import type { DatasetColumns } from '../corpus/datasets.js';
import { ID_HEADERS, LABEL_HEADERS, LABEL_VALUES } from '../corpus/datasets.js';

/** parseArgs definitions of `--format` and the column options. */
export const formatOptions = {
  format: { type: 'string' },
  'label-column': { type: 'string' },
  'calls-column': { type: 'string', multiple: true },
  'id-column': { type: 'string' },
} as const;

/** parseArgs definition of `--alphabet` (train and bench). */
export const alphabetOption = { alphabet: { type: 'string' } } as const;

/** Option help rows: the option, then its description's lines; the description starts in column `col`. */
function helpRows(rows: readonly [string, readonly string[]][], col: number): string {
  const out: string[] = [];
  for (const [opt, lines] of rows) {
    lines.forEach((l, i) => out.push(i === 0 ? `  ${opt}`.padEnd(col) + l : ' '.repeat(col) + l));
  }
  return out.join('\n');
}

/**
 * Help lines of {@link formatOptions}; `labels` when the command reads labels from the label
 * column; `col`: the command's description column (23 or 24).
 */
export function formatHelp(labels: boolean, col = 23): string {
  return helpRows(
    [
      [
        '--format F',
        labels
          ? [
              'input layout: nttrace (default: NtTrace logs and reduced traces),',
              'words (one trace per file, calls separated by any whitespace on one',
              'or several lines, e.g. ADFA-LD), csv or tsv (one trace per row of a',
              'table with a header row: a label and the calls, one per column or in',
              'one space-separated field, e.g. MalbehavD-V1)',
            ]
          : [
              'input layout: nttrace (NtTrace logs and reduced traces), words (one',
              'trace per file, calls separated by any whitespace on one or several',
              'lines, e.g. ADFA-LD), csv or tsv (one trace per row of a table with a',
              'header row: the calls one per column or in one space-separated field,',
              'e.g. MalbehavD-V1; each row is judged, named FILE:ID or FILE:LINE).',
              'Default: the layout the model was trained on; another is obeyed with',
              'a warning',
            ],
      ],
      [
        '--label-column NAME',
        [
          'csv/tsv: the label column (default: the first header, in any case, of',
          `${LABEL_HEADERS.join(', ')})${labels ? ';' : ''}`,
          ...(labels
            ? [`labels: ${LABEL_VALUES.benign.join(', ')} (benign), ${LABEL_VALUES.malicious.join(', ')}`, '(malicious), in any case']
            : []),
        ],
      ],
      [
        '--calls-column NAME',
        [
          'csv/tsv: a calls column (repeatable; default: every column but the',
          'label and id columns); cells are split at whitespace, empty cells',
          'are ignored',
        ],
      ],
      [
        '--id-column NAME',
        [
          'csv/tsv: a column naming each row (default: the first header, in',
          `any case, of ${ID_HEADERS.slice(0, 7).join(', ')},`,
          `${ID_HEADERS.slice(7).join(', ')}); rows are named FILE:ID, else FILE:LINE`,
        ],
      ],
    ],
    col,
  );
}

/** Help lines of {@link alphabetOption}. */
export function alphabetHelp(col = 23): string {
  return helpRows(
    [
      [
        '--alphabet A',
        [
          "call names: nt (NtTrace's names, scikit-learn's default token rule;",
          'the default for nttrace input) or custom (any name without',
          'whitespace, e.g. system-call numbers; implied by words, csv, tsv)',
        ],
      ],
    ],
    col,
  );
}

/** `--format F`, validated; undefined when absent. */
export function formatFromArgs(values: ParsedValues): InputForm | undefined {
  const f = stringOption(values, 'format');
  if (f === undefined) return undefined;
  if (!(INPUT_FORMS as readonly string[]).includes(f))
    throw new UsageError(`--format must be one of ${INPUT_FORMS.join(', ')}, got ${JSON.stringify(f)}`);
  return f as InputForm;
}

/** `--alphabet A`, validated; undefined when absent. */
export function alphabetFromArgs(values: ParsedValues): Alphabet | undefined {
  const a = stringOption(values, 'alphabet');
  if (a === undefined) return undefined;
  if (!(ALPHABETS as readonly string[]).includes(a))
    throw new UsageError(`--alphabet must be one of ${ALPHABETS.join(', ')}, got ${JSON.stringify(a)}`);
  return a as Alphabet;
}

/**
 * The column options as {@link DatasetColumns}; undefined when none is given. A usage error
 * when they are given for a layout that has no columns.
 */
export function columnsFromArgs(values: ParsedValues, format: InputForm): DatasetColumns | undefined {
  const label = stringOption(values, 'label-column');
  const id = stringOption(values, 'id-column');
  const raw = values['calls-column'];
  const calls = raw === undefined ? [] : (Array.isArray(raw) ? raw : [raw]).filter((x): x is string => typeof x === 'string');
  if (label === undefined && id === undefined && calls.length === 0) return undefined;
  if (format !== 'csv' && format !== 'tsv') {
    const given = label !== undefined ? '--label-column' : id !== undefined ? '--id-column' : '--calls-column';
    throw new UsageError(
      `${given} is for tables: give --format csv or --format tsv${format === 'nttrace' ? '' : ` (the input is ${format})`}`,
    );
  }
  return { ...(label !== undefined ? { label } : {}), ...(id !== undefined ? { id } : {}), ...(calls.length ? { calls } : {}) };
}

/** Whether a layout is read row by row. */
export function isTableForm(form: InputForm): form is 'csv' | 'tsv' {
  return form === 'csv' || form === 'tsv';
}
