// A naive JavaScript reader, as a second baseline for bench/reader.mjs: decode the whole file
// to a string, split it into lines, and match each line with one regular expression that
// knows NtTrace's prefixes and call shape (the same calls as ntmaldetect's reader on logs
// without embedded calls).
import { readFileSync } from 'node:fs';

const CALL = /^(?:(?:\d\d:\d\d:\d\d\.\d{3})? ?(?:\+\d+\.\d{3}|<0|>999s)?: )?(?:\[[ \d]+(?:\/[ \d]+)?\] )?(Nt\w*)\( (?:.* )?\) => ./;
const PRE = /\( (?:.* )?\) \.\.\.\r?$/;
const NAME = /^\s*(\w+)\s*$/;

/** Call names of a log given as text (a reduced trace when its first line is a bare name). */
export function naiveRead(text) {
  const calls = [];
  const lines = text.split('\n');
  if (NAME.test(lines[0])) {
    for (const line of lines) {
      const m = NAME.exec(line);
      if (m !== null) calls.push(m[1]);
    }
    return calls;
  }
  for (const line of lines) {
    const m = CALL.exec(line);
    if (m !== null && !PRE.test(line)) calls.push(m[1]);
  }
  return calls;
}

/** Reads files (repeat times); returns { calls, bytes, seconds } measured in process. */
export function naiveReadFiles(files, repeat = 1) {
  let calls = 0;
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (let r = 0; r < repeat; r++) {
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      bytes += Buffer.byteLength(text);
      calls += naiveRead(text).length;
    }
  }
  const cpu = process.cpuUsage(c0);
  const all = process.cpuUsage();
  return {
    reader: 'naive-js', calls, bytes, seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    cpuSeconds: (cpu.user + cpu.system) / 1e6, processCpuSeconds: (all.user + all.system) / 1e6,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  let repeat = 1;
  const i = args.indexOf('--repeat');
  if (i >= 0) {
    repeat = Number(args[i + 1]);
    args.splice(i, 2);
  }
  console.log(JSON.stringify(naiveReadFiles(args, repeat)));
}
