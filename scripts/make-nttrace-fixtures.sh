#!/usr/bin/env bash
# make-nttrace-fixtures.sh - make REAL NtTrace logs under Wine and commit-ready fixtures.
#
# Usage:
#   scripts/make-nttrace-fixtures.sh [all|nttrace|benign]      (default: all)
#
# What it makes (see docs/fixtures-nttrace.md for every file):
#   fixtures/nttrace/       logs of the master build (new grammar `NtClose(Handle=0x24) => 0`)
#                           and of v1.0 (old grammar `NtClose( Handle=0x24 ) => 0`), of Wine's
#                           own 64-bit tools and of fixtures/programs/ntmd-behave.c, with the
#                           option sets none, -time -pid -tid, -pre, -delta, -stack; a run killed
#                           mid-run; a copy of it cut mid-line; a log written to NtTrace's stdout
#                           (no -out) with the program's console output glued into it.
#                           Each log: NAME.log (or NAME.log.gz when over ~150 KB) + NAME.calls
#                           (+ NAME.notes when there is something to say); MANIFEST.tsv.
#   fixtures/wine-benign/   >= 36 benign traces of Wine tools (master build, no options):
#                           NAME.log.gz + NAME.calls + INDEX.tsv.
#
# NAME.calls is written by the oracle below (an independent python3 regex over the line
# structure, not the project's reader): one call name per line, in order.
#
# Needs: wine64, g++-mingw-w64-x86-64 (x86_64-w64-mingw32-gcc/g++), libwine-dev, python3,
# gzip, and the shared tools folder (read-only; never copied into the repo):
#   NTTRACE_TOOLS  default: <repo>/../shared/tools/nttrace-wine
# Builds and scratch files live OUTSIDE the repo, in
#   CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/ntmaldetect
#     nttrace-v1.0/NtTrace.exe      v1.0 built with `build.sh --v1.0` (skipped when up to date)
#     programs/ntmd-behave.exe      our harmless test program (x86_64-w64-mingw32-gcc)
#     wine-prefix/                  a Wine prefix of our own (NTMD_WINEPREFIX overrides), so that
#                                   this script never disturbs another user's prefix; the traced
#                                   programs run with the working folder C:\ntmd (= wine-prefix/
#                                   drive_c/ntmd), which holds a copy of ntmd-behave.exe and small
#                                   input files.
# Rerunnable: every run regenerates the generated files of both fixture folders from scratch
# (it deletes only *.log, *.log.gz, *.calls, *.notes and the two .tsv files there).
# Logs hold timestamps, pids and addresses, so a rerun gives different bytes, same shapes.
# About 1 run in 150 fails at start with "CreateProcess failed with no error" (a Wine race):
# every run is retried once when it wrote no trace.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS=${NTTRACE_TOOLS:-$REPO/../shared/tools/nttrace-wine}
TOOLS=$(cd "$TOOLS" && pwd)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/ntmaldetect
MASTER_EXE=$TOOLS/bin/head/NtTrace.exe
V10_DIR=$CACHE/nttrace-v1.0
V10_EXE=$V10_DIR/NtTrace.exe
export WINEPREFIX=${NTMD_WINEPREFIX:-$CACHE/wine-prefix}
export WINEDEBUG=-all DISPLAY=
WINE64=${WINE64:-/usr/lib/wine/wine64}
[ -x "$WINE64" ] || WINE64=$(command -v wine64)
export WINE64 WINELOADER=$WINE64
OUT_NT=$REPO/fixtures/nttrace
OUT_BEN=$REPO/fixtures/wine-benign
GZIP_OVER=153600   # bytes: logs bigger than ~150 KB are stored gzipped
what=${1:-all}

for f in "$MASTER_EXE" "$TOOLS/run.sh" "$TOOLS/build.sh" "$TOOLS/src/NtTrace-v1.0.tar.gz"; do
  [ -e "$f" ] || { echo "make-nttrace-fixtures: missing $f (set NTTRACE_TOOLS)" >&2; exit 1; }
done
command -v x86_64-w64-mingw32-gcc >/dev/null || { echo "make-nttrace-fixtures: x86_64-w64-mingw32-gcc missing" >&2; exit 1; }

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/ntmd-fixtures.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
log() { echo "make-nttrace-fixtures: $*" >&2; }

# ---------------------------------------------------------------------------------------
# The oracle: an independent reading of NtTrace's line structure (python3, regexes only).
#   prefix  = optional "HH:MM:SS.mmm" and/or "+S.mmm" ("<0", ">999s", or empty for the first
#             -delta line) followed by ": ", then optional "[pid] ", "[tid] " or "[pid/tid] "
#             (numbers right-aligned to width 4);
#   a call  = prefix NAME "(" ... ")" " => " STATUS [" [" ... "]"] ending the line
#             (NAME an identifier at the start of the line after the prefix; the old grammar
#             "( a=1 )" has the same shape);
#   not a call: "-pre" lines  prefix NAME "(" ... ") ..." ; events (Process N starting at,
#             Loaded DLL at, Unload of DLL at, Initial breakpoint, Thread N exit code, Process N
#             exit code, Created thread:, ...); the image-path line; -stack frame lines and the
#             blank line after each stack; program output, including program output with a
#             call glued after it on the same line (the corpus rule: a call counts only where it
#             starts a line; such lines are reported as "glued");
#   the LAST line, when it starts like a call (prefix NAME "(") but is neither a complete call
#             nor a -pre line, is a call cut mid-line: it is counted (listed last) and reported.
# Writes NAME.calls; prints "calls=N pre=N glued=N cut=NAME|- odd=N" on stdout; lines that
# start like a call but are neither (except a cut last line) are "odd" and listed on stderr.
ORACLE=$(cat <<'PY'
import re, sys
src, dst = sys.argv[1], sys.argv[2]
data = open(src, 'rb').read().decode('utf-8', 'surrogateescape')
ends_nl = data.endswith('\n')
lines = data.split('\n')
if ends_nl:
    lines.pop()
PREFIX = r'(?:(?:\d\d:\d\d:\d\d\.\d{3})? ?(?:\+\d+\.\d{3}|<0|>999s)?: )?(?:\[ *\d+(?:/ *\d+)?\] )?'
NAME = r'([A-Za-z_][A-Za-z0-9_]*)'
STATUS = r'(?:-?0x[0-9a-fA-F]+|-?\d+)(?: \[.*\])?'
start = re.compile('^' + PREFIX + NAME + r'\(')
call = re.compile('^' + PREFIX + NAME + r'\(.*\) => ' + STATUS + '$')
pre = re.compile('^' + PREFIX + NAME + r'\(.*\) \.\.\.$')
glued = re.compile(r'\S' + NAME + r'\(.*\) => ' + STATUS + '$')
calls, npre, nglued, odd, cut = [], 0, 0, [], '-'
for i, raw in enumerate(lines):
    line = raw[:-1] if raw.endswith('\r') else raw
    m = call.match(line)
    if m:
        calls.append(m.group(1)); continue
    if pre.match(line):
        npre += 1; continue
    m = start.match(line)
    if m:
        if i == len(lines) - 1:
            calls.append(m.group(1)); cut = m.group(1)
        else:
            odd.append((i + 1, line))
        continue
    if re.search(r'[ :]' + NAME + r'\(.*\) => ' + STATUS + '$', line) or glued.search(line):
        nglued += 1
with open(dst, 'w') as f:
    f.write(''.join(c + '\n' for c in calls))
for n, line in odd:
    sys.stderr.write('odd line %d: %s\n' % (n, line[:200]))
print('calls=%d pre=%d glued=%d cut=%s odd=%d' % (len(calls), npre, nglued, cut, len(odd)))
PY
)
oracle() { python3 -c "$ORACLE" "$1" "$2"; }

# ---------------------------------------------------------------------------------------
# 1. NtTrace v1.0 (cached), our program, the prefix and its working folder C:\ntmd
build_v10() {
  local src; src=$(mktemp -d "$SCRATCH/v10src.XXXX")
  tar xzf "$TOOLS/src/NtTrace-v1.0.tar.gz" -C "$src"
  "$TOOLS/build.sh" --v1.0 "$src/NtTrace-v1.0" "$V10_DIR" >&2
  rm -rf "$src"
}
build_program() {
  mkdir -p "$CACHE/programs"
  x86_64-w64-mingw32-gcc -O1 -Wall -municode -o "$CACHE/programs/ntmd-behave.exe" \
    "$REPO/fixtures/programs/ntmd-behave.c" -ladvapi32
}
WORK=$WINEPREFIX/drive_c/ntmd
prepare_prefix() {
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    log "creating Wine prefix $WINEPREFIX"
    mkdir -p "$WINEPREFIX"
    WINEDLLOVERRIDES=mscoree,mshtml= "$WINE64" wineboot -i >/dev/null 2>&1 || true
    "$(dirname "$WINE64")/wineserver" -w 2>/dev/null || true
  fi
  rm -rf "$WORK"
  mkdir -p "$WORK/data" "$WORK/work"
  cp "$CACHE/programs/ntmd-behave.exe" "$WORK/ntmd-behave.exe"
  local i
  for i in 1 2 3 4 5 6 7 8; do printf 'line %d of a harmless test file\r\n' "$i"; done > "$WORK/data/a.txt"
  for i in 8 7 6 5 4 3 2 1; do printf 'line %d of a harmless test file\r\n' "$i"; done > "$WORK/data/b.txt"
  printf 'zebra\r\napple\r\nmango\r\n' > "$WORK/data/words.txt"
  printf 'WScript.Echo("hello from a tiny script");\r\n' > "$WORK/data/hello.js"
  printf '%s\r\n' 'var fso = new ActiveXObject("Scripting.FileSystemObject");' \
    'var e = new Enumerator(fso.GetFolder("C:\\ntmd\\data").Files);' \
    'for (; !e.atEnd(); e.moveNext()) WScript.Echo(e.item().Name + " " + e.item().Size);' > "$WORK/data/list.js"
  mkdir -p "$WORK/data/sub"
  printf 'nested file\r\n' > "$WORK/data/sub/c.txt"
}
# leftovers of a killed ntmd-behave (its temp folders) and of the reg add/delete runs
cleanup_prefix_state() {
  local t
  for t in "$WINEPREFIX"/drive_c/users/*/Temp "$WINEPREFIX"/drive_c/users/*/AppData/Local/Temp; do
    [ -d "$t" ] && find "$t" -maxdepth 1 -name 'ntmd-behave-*' -type d -exec rm -rf {} + 2>/dev/null
  done
  "$WINE64" reg delete 'HKCU\Software\ntmaldetect-test' /f >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------------------------------
# 2. one traced run: trace_run OUTLOG EXE [NtTrace options] PROGRAM [ARGS]   (retried once)
#    sets RUN_RC; program output -> OUTLOG.stdout, NtTrace's stderr -> OUTLOG.stderr (scratch)
trace_run() {
  local outlog=$1 exe=$2 try; shift 2
  for try in 1 2; do
    RUN_RC=0
    (cd "$WORK" && NTTRACE_EXE=$exe "$TOOLS/run.sh" "$outlog" "$@" \
        >"$outlog.stdout" 2>"$outlog.stderr" </dev/null) || RUN_RC=$?
    if [ -s "$outlog" ] && ! grep -q 'CreateProcess failed' "$outlog.stderr"; then return 0; fi
    log "retrying $(basename "$outlog") (rc $RUN_RC: $(grep -v '^Warning: Only' "$outlog.stderr" | head -1))"
  done
  return 0
}

# store LOG (scratch) as DEST_DIR/NAME.log or NAME.log.gz plus NAME.calls; sets STORED, STATS
store() {
  local log=$1 dir=$2 name=$3 force_gz=${4:-}
  STATS=$(oracle "$log" "$dir/$name.calls" 2>"$log.odd")
  if [ -s "$log.odd" ]; then
    log "$name: $(wc -l <"$log.odd") odd line(s):"; head -3 "$log.odd" >&2
  fi
  if [ -n "$force_gz" ] || [ "$(stat -c %s "$log")" -gt "$GZIP_OVER" ]; then
    gzip -9n -c "$log" > "$dir/$name.log.gz"; STORED=$name.log.gz
  else
    cp "$log" "$dir/$name.log"; STORED=$name.log
  fi
}
calls_of() { sed -n 's/.*calls=\([0-9]*\).*/\1/p' <<<"$STATS"; }

# ---------------------------------------------------------------------------------------
# 3. fixtures/nttrace: both builds x programs x option sets
MANIFEST_ROWS=()
nt_fixture() {   # nt_fixture NAME BUILD "OPTIONS" PROGRAM [ARGS...]
  local name=$1 build=$2 opts=$3; shift 3
  local exe=$MASTER_EXE; [ "$build" = v1.0 ] && exe=$V10_EXE
  local raw=$SCRATCH/$name.log
  # shellcheck disable=SC2086
  trace_run "$raw" "$exe" $opts "$@"
  store "$raw" "$OUT_NT" "$name"
  local notes; notes=$(nt_notes "$raw")
  [ -n "$notes" ] && printf '%s\n' "$notes" > "$OUT_NT/$name.notes"
  MANIFEST_ROWS+=("$STORED	$build	${opts:-none}	$*	$(calls_of)	$(oneline "$notes")")
  log "$STORED: $STATS"
}
oneline() { tr '\n' ' ' <<<"$1" | sed 's/ *$//'; }
# notes for a log: what is special about it (from the oracle stats and NtTrace's stderr)
nt_notes() {
  local raw=$1 n=()
  case "$STATS" in *"cut=-"*) ;; *) n+=("last line is a call cut mid-line ($(sed -n 's/.*cut=\([^ ]*\).*/\1/p' <<<"$STATS")): listed last in .calls; a reader should count it with a diagnostic.") ;; esac
  case "$STATS" in *"glued=0"*) ;; *) n+=("$(sed -n 's/.*glued=\([0-9]*\).*/\1/p' <<<"$STATS") line(s) hold program output with a call glued after it: not counted (a call counts only where it starts a line).") ;; esac
  case "$STATS" in *"pre=0"*) ;; *) n+=("$(sed -n 's/.*pre=\([0-9]*\).*/\1/p' <<<"$STATS") -pre lines (NAME(...) ...) not counted.") ;; esac
  [ "${RUN_RC:-0}" = 0 ] || n+=("NtTrace run ended with status $RUN_RC.")
  [ -f "$raw.tail" ] && n+=("$(cat "$raw.tail")")
  printf '%s\n' "${n[@]}"
}

make_nttrace() {
  mkdir -p "$OUT_NT"
  rm -f "$OUT_NT"/*.log "$OUT_NT"/*.log.gz "$OUT_NT"/*.calls "$OUT_NT"/*.notes "$OUT_NT/MANIFEST.tsv"
  local b tag
  for b in master v1.0; do
    tag=$b
    nt_fixture "hostname.$tag"            $b ""                hostname.exe
    nt_fixture "hostname.time-pid-tid.$tag" $b "-time -pid -tid" hostname.exe
    nt_fixture "hostname.pre.$tag"        $b "-pre"            hostname.exe
    nt_fixture "hostname.delta.$tag"      $b "-delta"          hostname.exe
    nt_fixture "hostname.stack.$tag"      $b "-stack"          hostname.exe
    nt_fixture "whoami.$tag"              $b ""                whoami.exe
    nt_fixture "whoami.time-pid-tid.$tag" $b "-time -pid -tid" whoami.exe
    nt_fixture "reg-query.$tag"           $b ""                reg.exe query 'HKCU\Software'
    nt_fixture "reg-query.pre.$tag"       $b "-pre"            reg.exe query 'HKCU\Software'
    nt_fixture "ipconfig.$tag"            $b ""                ipconfig.exe
    nt_fixture "ipconfig.delta.$tag"      $b "-delta"          ipconfig.exe
    nt_fixture "cmd-hostname.$tag"        $b ""                cmd.exe /c hostname
    nt_fixture "cmd-hostname.time-pid-tid.$tag" $b "-time -pid -tid" cmd.exe /c hostname
    nt_fixture "ntmd-behave.$tag"         $b ""                'C:\ntmd\ntmd-behave.exe'
    nt_fixture "ntmd-behave.time-pid-tid.$tag" $b "-time -pid -tid" 'C:\ntmd\ntmd-behave.exe'
    nt_fixture "ntmd-behave.pre.$tag"     $b "-pre"            'C:\ntmd\ntmd-behave.exe'
    nt_fixture "ntmd-behave.delta.$tag"   $b "-delta"          'C:\ntmd\ntmd-behave.exe'
    nt_fixture "ntmd-behave.stack.$tag"   $b "-stack"          'C:\ntmd\ntmd-behave.exe'
    cleanup_prefix_state
    killed_fixture "$b"
    glued_fixture "$b"
  done
  { printf 'file\tbuild\toptions\tprogram\tcalls\tnotes\n'; printf '%s\n' "${MANIFEST_ROWS[@]}"; } > "$OUT_NT/MANIFEST.tsv"
}

# A run killed mid-run: ntmd-behave --long 20, the tracer killed by SIGTERM after 6 s
# (run.sh's timeout; SIGTERM kills NtTrace and its debuggee). NtTrace ends every line with
# std::endl (a flush), so the real log ends on a line boundary; a second fixture is the same
# log cut by this script in the middle of its last call line, which is what a reader of a
# log that is still being written (ntmaldetect run/attach) sees.
killed_fixture() {
  local b=$1 exe=$MASTER_EXE name raw; [ "$b" = v1.0 ] && exe=$V10_EXE
  name=ntmd-behave-long.killed.$b; raw=$SCRATCH/$name.log
  NTTRACE_TIMEOUT=6 trace_run "$raw" "$exe" 'C:\ntmd\ntmd-behave.exe' --long 20
  cleanup_prefix_state
  echo "killed by SIGTERM after 6 s of a 20 s run (run.sh timeout, status $RUN_RC); the log ends at a line end: $(tail -c 1 "$raw" | od -An -c | tr -d ' ')." > "$raw.tail"
  store "$raw" "$OUT_NT" "$name"
  local notes; notes=$(nt_notes "$raw"); printf '%s\n' "$notes" > "$OUT_NT/$name.notes"
  MANIFEST_ROWS+=("$STORED	$b	none	C:\\ntmd\\ntmd-behave.exe --long 20 (killed after 6 s)	$(calls_of)	$(oneline "$notes")")
  log "$STORED: $STATS"
  # the cut copy: everything up to the middle of the last complete call line
  local cut=$SCRATCH/ntmd-behave-long.cut.$b.log lastcall keep
  lastcall=$(grep -n ') => ' "$raw" | tail -1 | cut -d: -f1)
  keep=$(( $(head -n $((lastcall - 1)) "$raw" | wc -c) + $(sed -n "${lastcall}p" "$raw" | wc -c) / 2 ))
  head -c "$keep" "$raw" > "$cut"
  echo "made by the script from ntmd-behave-long.killed.$b: the first $keep bytes, i.e. cut in the middle of line $lastcall (the last call line); no newline at the end." > "$cut.tail"
  RUN_RC=0
  store "$cut" "$OUT_NT" "ntmd-behave-long.cut.$b"
  notes=$(nt_notes "$cut"); printf '%s\n' "$notes" > "$OUT_NT/ntmd-behave-long.cut.$b.notes"
  MANIFEST_ROWS+=("$STORED	$b	none	(cut copy of ntmd-behave-long.killed.$b)	$(calls_of)	$(oneline "$notes")")
  log "$STORED: $STATS"
}

# NtTrace without -out: the trace goes to NtTrace's stdout, which the traced program inherits
# as its own stdout; ntmd-behave writes progress words without a newline, so they end up at
# the start of the next trace line. run.sh always passes -out, so wine64 is called directly.
glued_fixture() {
  local b=$1 exe=$MASTER_EXE name raw try; [ "$b" = v1.0 ] && exe=$V10_EXE
  name=ntmd-behave.stdout.$b; raw=$SCRATCH/$name.log
  for try in 1 2; do
    RUN_RC=0
    (cd "$WORK" && timeout --kill-after=10 120 "$WINE64" "$exe" 'C:\ntmd\ntmd-behave.exe' \
        >"$raw" 2>"$raw.stderr" </dev/null) || RUN_RC=$?
    grep -q ') => ' "$raw" && ! grep -q 'CreateProcess failed' "$raw.stderr" && break
    log "retrying $name"
  done
  store "$raw" "$OUT_NT" "$name"
  local notes; notes=$(nt_notes "$raw")
  notes="NtTrace run without -out: its stdout captured, the program's own output interleaved.${notes:+
$notes}"
  printf '%s\n' "$notes" > "$OUT_NT/$name.notes"
  MANIFEST_ROWS+=("$STORED	$b	(no -out: stdout)	C:\\ntmd\\ntmd-behave.exe	$(calls_of)	$(oneline "$notes")")
  log "$STORED: $STATS"
}

# ---------------------------------------------------------------------------------------
# 4. fixtures/wine-benign: benign Wine tools, master build, no options. A trace is dropped
#    when the run hung (timeout), wrote no trace, has fewer than 50 calls, or has exactly the
#    call sequence of a trace already kept (several Wine 8 tools are stubs that print a fixme
#    and exit: they all give the same trace); INDEX.tsv's last column names the dropped twins.
KEPT=()
declare -A KEPT_ROW=() SEEN_CALLS=() SAME_AS=()
benign() {   # benign NAME PROGRAM [ARGS...]
  local name=$1; shift
  local raw=$SCRATCH/benign-$name.log
  NTTRACE_TIMEOUT=20 trace_run "$raw" "$MASTER_EXE" "$@"
  if [ "$RUN_RC" = 124 ] || [ ! -s "$raw" ]; then log "benign $name dropped (status $RUN_RC: hung or no trace)"; return 0; fi
  local n sum; n=$(oracle "$raw" "$raw.calls" 2>/dev/null | sed -n 's/.*calls=\([0-9]*\).*/\1/p')
  if [ "${n:-0}" -lt 50 ]; then log "benign $name dropped ($n calls)"; return 0; fi
  sum=$(md5sum < "$raw.calls" | cut -c1-32)
  if [ -n "${SEEN_CALLS[$sum]:-}" ]; then
    log "benign $name dropped (same $n calls as ${SEEN_CALLS[$sum]})"
    SAME_AS[${SEEN_CALLS[$sum]}]="${SAME_AS[${SEEN_CALLS[$sum]}]:+${SAME_AS[${SEEN_CALLS[$sum]}]}, }$*"
    return 0
  fi
  SEEN_CALLS[$sum]=$name
  store "$raw" "$OUT_BEN" "$name" gz
  local prog=$1; shift
  KEPT+=("$name"); KEPT_ROW[$name]="$STORED	$prog	$*	$(calls_of)"
  log "benign $STORED: $STATS"
}

make_benign() {
  mkdir -p "$OUT_BEN"
  rm -f "$OUT_BEN"/*.log "$OUT_BEN"/*.log.gz "$OUT_BEN"/*.calls "$OUT_BEN"/*.notes "$OUT_BEN/INDEX.tsv"
  rm -rf "$WORK/work" && mkdir -p "$WORK/work"
  benign hostname            hostname.exe
  benign whoami              whoami.exe
  benign whoami-user         whoami.exe /user
  benign ipconfig            ipconfig.exe
  benign ipconfig-all        ipconfig.exe /all
  benign reg-query-hkcu-software reg.exe query 'HKCU\Software'
  benign reg-query-currentversion reg.exe query 'HKLM\Software\Microsoft\Windows\CurrentVersion'
  benign reg-query-environment reg.exe query 'HKLM\System\CurrentControlSet\Control\Session Manager\Environment'
  benign reg-query-hkcu-environment reg.exe query 'HKCU\Environment'
  benign reg-query-recursive reg.exe query 'HKCU\Software\Wine' /s
  benign reg-add             reg.exe add 'HKCU\Software\ntmaldetect-test' /v sample /t REG_SZ /d hello /f
  benign reg-query-test      reg.exe query 'HKCU\Software\ntmaldetect-test'
  benign reg-add-subkey      reg.exe add 'HKCU\Software\ntmaldetect-test\Sub' /v count /t REG_DWORD /d 5 /f
  benign reg-query-test-recursive reg.exe query 'HKCU\Software\ntmaldetect-test' /s
  benign reg-delete          reg.exe delete 'HKCU\Software\ntmaldetect-test' /f
  benign reg-query-productname reg.exe query 'HKLM\Software\Microsoft\Windows NT\CurrentVersion' /v ProductName
  benign reg-query-hkcr-txt  reg.exe query 'HKCR\.txt'
  benign reg-export          reg.exe export 'HKCU\Software\Wine' 'C:\ntmd\work\wine.reg' /y
  benign cmd-dir             cmd.exe /c dir 'C:\ntmd\data'
  benign cmd-dir-recursive   cmd.exe /c dir /s 'C:\ntmd'
  benign cmd-echo            cmd.exe /c echo hello
  benign cmd-type            cmd.exe /c type 'C:\ntmd\data\a.txt'
  benign cmd-ver             cmd.exe /c ver
  benign cmd-set             cmd.exe /c set
  benign cmd-copy            cmd.exe /c copy /y 'C:\ntmd\data\a.txt' 'C:\ntmd\work\copied.txt'
  benign cmd-mkdir-rmdir     cmd.exe /c 'mkdir C:\ntmd\work\tmpdir && rmdir C:\ntmd\work\tmpdir'
  benign cmd-hostname        cmd.exe /c hostname
  benign cmd-write-type-del  cmd.exe /c 'echo hello> C:\ntmd\work\e.txt && type C:\ntmd\work\e.txt && del C:\ntmd\work\e.txt'
  benign cmd-copy-move-del   cmd.exe /c 'copy /y C:\ntmd\data\a.txt C:\ntmd\work\m.txt && move /y C:\ntmd\work\m.txt C:\ntmd\work\n.txt && del C:\ntmd\work\n.txt'
  benign cmd-dir-bare-system32 cmd.exe /c dir /b 'C:\windows\system32\*.exe'
  benign cmd-vol             cmd.exe /c vol
  benign cmd-date            cmd.exe /c date /t
  benign cmd-for-loop        cmd.exe /c 'for /l %i in (1,1,5) do @echo %i'
  benign cmd-if-exist        cmd.exe /c 'if exist C:\ntmd\data\a.txt echo yes'
  benign findstr             findstr.exe /i harmless 'C:\ntmd\data\a.txt'
  benign find                find.exe '"line 3"' 'C:\ntmd\data\b.txt'
  benign where-hostname      where.exe hostname
  benign where-recursive     where.exe /r 'C:\ntmd' '*.txt'
  benign tasklist            tasklist.exe
  benign attrib              attrib.exe 'C:\ntmd\data\*'
  benign attrib-set-readonly attrib.exe +r 'C:\ntmd\data\b.txt'
  benign attrib-clear-readonly attrib.exe -r 'C:\ntmd\data\b.txt'
  benign fc                  fc.exe 'C:\ntmd\data\a.txt' 'C:\ntmd\data\b.txt'
  benign xcopy               xcopy.exe 'C:\ntmd\data' 'C:\ntmd\work\xcopied' /e /i /y
  benign xcopy-list          xcopy.exe 'C:\ntmd\data' 'C:\ntmd\work\xlisted' /e /i /l
  benign robocopy            robocopy.exe 'C:\ntmd\data' 'C:\ntmd\work\robocopied'
  benign cabarc              cabarc.exe N 'C:\ntmd\work\sample.cab' 'C:\ntmd\data\a.txt'
  benign expand              expand.exe 'C:\ntmd\work\sample.cab' 'C:\ntmd\work\expanded.txt'
  benign net-user            net.exe user
  benign net-help            net.exe help
  benign sc-query            sc.exe query
  benign sc-qc-rpcss         sc.exe qc rpcss
  benign fsutil-drives       fsutil.exe fsinfo drives
  benign subst-list          subst.exe
  benign wevtutil-el         wevtutil.exe el
  benign netsh-show-interface netsh.exe interface show interface
  benign schtasks-query      schtasks.exe /query
  benign systeminfo          systeminfo.exe
  benign certutil-encode     certutil.exe -encode 'C:\ntmd\data\a.txt' 'C:\ntmd\work\a.b64'
  benign icacls              icacls.exe 'C:\ntmd\data'
  benign cacls               cacls.exe 'C:\ntmd\data\a.txt'
  benign cscript             cscript.exe //nologo 'C:\ntmd\data\hello.js'
  benign cscript-list-folder cscript.exe //nologo 'C:\ntmd\data\list.js'
  benign taskkill-help       taskkill.exe /?
  benign regedit-export      regedit.exe /e 'C:\ntmd\work\export.reg' 'HKEY_CURRENT_USER\Software\Wine'
  benign wmic-os             wmic.exe os get caption
  benign ping-localhost      ping.exe -n 1 127.0.0.1
  benign netstat             netstat.exe -an
  benign arp                 arp.exe -a
  benign msiexec-help        msiexec.exe /?
  benign rundll32            rundll32.exe
  benign notepad             notepad.exe
  cleanup_prefix_state
  { printf 'file\tprogram\targs\tcalls\tsame_calls_as (dropped twins)\n'
    local k; for k in "${KEPT[@]}"; do printf '%s\t%s\n' "${KEPT_ROW[$k]}" "${SAME_AS[$k]:-}"; done; } > "$OUT_BEN/INDEX.tsv"
  log "wine-benign: ${#KEPT[@]} traces kept"
}

# ---------------------------------------------------------------------------------------
build_v10
build_program
prepare_prefix
cleanup_prefix_state
case "$what" in
  all) make_nttrace; make_benign ;;
  nttrace) make_nttrace ;;
  benign) make_benign ;;
  *) echo "usage: $0 [all|nttrace|benign]" >&2; exit 2 ;;
esac
rm -rf "$WORK/work"
log "done: $(du -sh "$OUT_NT" | cut -f1) in fixtures/nttrace, $(du -sh "$OUT_BEN" 2>/dev/null | cut -f1) in fixtures/wine-benign"
