#!/usr/bin/env python3
"""The scikit-learn side of the model-load benchmark (bench/model-load.mjs).

    python3 model_load_baseline.py warm MODEL.pkl N
        load the pickle (vectorizer, MultinomialNB, SVC pipeline, as written by
        sklearn_ntmaldetect.py fit) N times in one process; print the median wall and
        CPU (process_time) seconds.
    python3 model_load_baseline.py cold MODEL.pkl TRACE
        what one detection from a fresh process costs: import scikit-learn, load the
        pickle, read the trace, predict with both models (the ANY verdict).

Prints one JSON line. Run with Debian's python3-sklearn: /usr/bin/python3 (scikit-learn 1.2.1).
"""
import json
import pickle
import statistics
import sys
import time

T0 = time.perf_counter()


def load(path):
    with open(path, "rb") as f:
        return pickle.load(f)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("warm", "cold"):
        sys.exit(__doc__)
    mode, model_path = sys.argv[1], sys.argv[2]
    if mode == "warm":
        import sklearn  # noqa: F401  (imports are not part of a warm load)
        load(model_path)
        times, cpu = [], []
        for _ in range(int(sys.argv[3])):
            c = time.process_time()
            t = time.perf_counter()
            load(model_path)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        print(json.dumps({
            "side": "scikit-learn", "mode": "warm", "medianSeconds": statistics.median(times),
            "medianCpuSeconds": statistics.median(cpu), "runs": len(times),
        }))
    else:
        vec, nb, svc = load(model_path)
        with open(sys.argv[3], "rb") as f:
            text = " ".join(f.read().decode("utf-8", "replace").split())
        X = vec.transform([text])
        verdict = int(nb.predict(X)[0]) | int(svc.predict(X)[0])
        print(json.dumps({"side": "scikit-learn", "mode": "cold", "malicious": bool(verdict), "inProcessSeconds": time.perf_counter() - T0}))
