#!/usr/bin/env node
/**
 * `ntmaldetect` command-line entry point: finds the sub-command in the command table
 * (`commands.ts`), imports only its module, parses its options strictly, and turns every
 * error into one line on stderr with exit code 2 (a stack trace only with `--debug`).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CliIO, Command } from './command.js';
import { UsageError, println } from './command.js';
import { COMMANDS, commandEntry } from './commands.js';
import { NtmdError } from '../errors.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The package version, read from package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** The command `name`'s module, imported now; `undefined` for an unknown command. */
async function loadCommand(name: string | undefined): Promise<Command | undefined> {
  const entry = commandEntry(name);
  return entry === undefined ? undefined : (await entry.load()).default;
}

/** The general help: the summaries come from the table, no command module is imported. */
function generalHelp(): string {
  const lines = [
    'ntmaldetect - detect Windows malware from NtTrace system-call traces',
    '',
    'Usage: ntmaldetect <command> [options]',
    '',
    'Commands:',
  ];
  for (const name of Object.keys(COMMANDS).sort()) lines.push(`  ${name.padEnd(10)} ${COMMANDS[name].summary}`);
  lines.push(
    '',
    'Global options:',
    '  --help      show help (also after a command; or: ntmaldetect help <command>)',
    '  --version   print the version',
    GLOBAL_HELP,
  );
  return lines.join('\n');
}

/** The options every command takes, at the end of each command's help. */
const GLOBAL_HELP = `  --quiet     print no warnings or progress (errors and results are still printed)
  --debug     print stack traces of errors`;

/** A command's help with the global options after it. */
function commandHelp(cmd: Command): string {
  return `${cmd.help}\n\nGlobal options:\n${GLOBAL_HELP}`;
}

/**
 * Runs the CLI with the given arguments (without `node` and the script path).
 * Resolves to the exit code; never throws.
 */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  const debug = head.includes('--debug');
  const quiet = head.includes('--quiet');
  const args = [...head.filter((a) => a !== '--debug' && a !== '--quiet'), ...(end < 0 ? [] : argv.slice(end))];
  try {
    const first = args[0];
    if (first === undefined || first === '--help' || first === '-h' || (first === 'help' && args.length === 1)) {
      println(io.stdout, generalHelp());
      return first === undefined ? 2 : 0;
    }
    if (first === 'help') {
      // `help <command>`: that command's help.
      if (args.length > 2) throw new UsageError(`help takes one command name, got ${args.length - 1}: ntmaldetect help <command>`);
      const named = await loadCommand(args[1]);
      if (!named) throw new UsageError(`help: unknown command ${JSON.stringify(args[1])}; run 'ntmaldetect help' for the list`);
      println(io.stdout, commandHelp(named));
      return 0;
    }
    if (first === '--version' || first === '-V') {
      println(io.stdout, packageVersion());
      return 0;
    }
    const cmd = await loadCommand(first);
    if (!cmd) throw new UsageError(`unknown command ${JSON.stringify(first)}; run 'ntmaldetect --help' for the list`);
    const rest = args.slice(1);
    // Only options before `--` belong to ntmaldetect: `run -- prog -h` passes -h to prog.
    const dashdash = rest.indexOf('--');
    const own = dashdash < 0 ? rest : rest.slice(0, dashdash);
    if (own.includes('--help') || own.includes('-h')) {
      println(io.stdout, commandHelp(cmd));
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: cmd.options, allowPositionals: cmd.allowPositionals, strict: true });
    } catch (e) {
      throw new UsageError(`${cmd.name}: ${(e as Error).message.split('\n')[0]}`);
    }
    return await cmd.run(
      parsed.values,
      parsed.positionals,
      debug || quiet ? { ...io, ...(debug ? { debug } : {}), ...(quiet ? { quiet } : {}) } : io,
    );
  } catch (e) {
    const err = e as Error;
    if (debug) println(io.stderr, err.stack ?? String(err));
    else {
      const prefix = e instanceof NtmdError ? '' : 'internal error: ';
      println(io.stderr, `ntmaldetect: ${prefix}${err.message ?? String(err)}`);
    }
    return 2;
  }
}

const self = fileURLToPath(import.meta.url);
const isMain = process.argv[1] !== undefined && self === (await import('node:fs')).realpathSync(process.argv[1]);
if (isMain) {
  const io: CliIO = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: { ...process.env },
    cwd: process.cwd(),
    self,
  };
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  const code = await runCli(process.argv.slice(2), io);
  process.exitCode = code;
}
