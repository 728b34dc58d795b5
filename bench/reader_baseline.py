#!/usr/bin/env python3
"""NtMalDetect's way of reading an NtTrace log, as a baseline for bench/reader.mjs.

NtMalDetect kept every line that starts with "Nt" and cut it at "(": that is all this does
(so it drops every call of a log written with -time/-pid/-tid, counts -pre calls twice and
takes program output that starts with "Nt" for a call). Two ways of writing it:
  --mode bytes  binary file, bytes lines (the fastest form we found)
  --mode text   text file (UTF-8, errors replaced), str lines (the form of the original)
  --memory      the files' bytes already in memory (io.BytesIO lines), after 30 untimed passes

Usage: reader_baseline.py [--mode bytes|text] [--memory] [--repeat N] FILE...
Prints one JSON line: {"calls": total over all repeats, "bytes": ..., "seconds": in-process wall
time, "cpuSeconds": in-process CPU time, "processCpuSeconds": CPU time of the whole process}.
"""
import io
import json
import os
import sys
import time


def read_bytes(path):
    calls = []
    with open(path, 'rb') as f:
        for line in f:
            if line.startswith(b'Nt'):
                calls.append(line.split(b'(', 1)[0])
    return calls


def read_text(path):
    calls = []
    with open(path, 'r', encoding='utf-8', errors='replace') as f:
        for line in f:
            if line.startswith('Nt'):
                calls.append(line.split('(', 1)[0])
    return calls


def read_memory(data):
    calls = []
    for line in io.BytesIO(data):
        if line.startswith(b'Nt'):
            calls.append(line.split(b'(', 1)[0])
    return calls


def main(argv):
    mode = 'bytes'
    repeat = 1
    files = []
    memory = False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == '--mode':
            mode = argv[i + 1]
            i += 2
        elif a == '--memory':
            memory = True
            i += 1
        elif a == '--repeat':
            repeat = int(argv[i + 1])
            i += 2
        else:
            files.append(a)
            i += 1
    reader = read_bytes if mode == 'bytes' else read_text
    size = sum(os.path.getsize(f) for f in files)
    if memory:
        # Files already in memory, 30 untimed passes first (as the JS side warms up its JIT).
        datas = []
        for f in files:
            with open(f, 'rb') as fh:
                datas.append(fh.read())
        for _ in range(30):
            for d in datas:
                read_memory(d)
        reader = read_memory
        files = datas
    t0 = time.perf_counter()
    c0 = time.process_time()
    calls = 0
    for _ in range(repeat):
        for f in files:
            calls += len(reader(f))
    seconds = time.perf_counter() - t0
    cpu = time.process_time()
    print(json.dumps({'reader': 'python-' + ('memory' if memory else mode), 'calls': calls, 'bytes': size * repeat, 'seconds': seconds,
                      'cpuSeconds': cpu - c0, 'processCpuSeconds': cpu}))


if __name__ == '__main__':
    main(sys.argv[1:])
