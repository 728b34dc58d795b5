#!/usr/bin/env python3
"""The scikit-learn side of the speed comparison: what NtMalDetect (2018) does.

    python3 sklearn_ntmaldetect.py fit CORPUS MODEL.pkl
        read every trace of CORPUS/sysBEN and CORPUS/sysMAL (empty files skipped), fit
        TfidfVectorizer(ngram_range=(10, 10)), MultinomialNB(alpha=0.01) and
        Pipeline([SelectFromModel(LinearSVC(penalty='l1', dual=False, tol=1e-3)), LinearSVC()])
        on all of them, and pickle the three to MODEL.pkl.
    python3 sklearn_ntmaldetect.py fit-default CORPUS MODEL.pkl
        the shipped `default` preset's equivalent: TfidfVectorizer(ngram_range=(10, 10),
        sublinear_tf=True, min_df=2) and LinearSVC(C=10), pickled to MODEL.pkl.
    python3 sklearn_ntmaldetect.py scan MODEL.pkl CORPUS
        load a pickle written by `fit`, read every trace, transform them all at once and
        predict with both models (the ANY verdict): a whole scan of a corpus, batched (the
        fastest way scikit-learn offers), no warm-up.
    python3 sklearn_ntmaldetect.py predict MODEL.pkl CORPUS
        load a pickle of `fit` or `fit-default`, then for every trace time: read the file's
        bytes, decode, join the call names, transform, and predict with every model (the ANY
        verdict). One untimed
        warm-up pass over the traces first, then the timed pass.

Each mode prints one JSON line: stage timings (seconds, time.perf_counter), the number of
traces, and the peak resident set size of this process (ru_maxrss, MiB). The whole-process
wall time (interpreter start and imports included) is measured by the caller.
Run with Debian's python3-sklearn: /usr/bin/python3 (scikit-learn 1.2.1).
"""
import json
import os
import pickle
import resource
import statistics
import sys
import time

T0 = time.perf_counter()
import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.feature_selection import SelectFromModel  # noqa: E402
from sklearn.naive_bayes import MultinomialNB  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402
import sklearn  # noqa: E402

T_IMPORT = time.perf_counter() - T0


def trace_files(corpus):
    out = []
    for sub, label in (("sysBEN", 0), ("sysMAL", 1)):
        folder = os.path.join(corpus, sub)
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if os.path.getsize(path) > 0:
                out.append((path, label))
    return out


def text_of(data):
    # NtMalDetect reads one call name per line and joins them with spaces.
    return " ".join(data.decode("utf-8", "replace").split())


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_texts(corpus):
    files = trace_files(corpus)
    texts, labels = [], []
    for path, label in files:
        with open(path, "rb") as f:
            texts.append(text_of(f.read()))
        labels.append(label)
    return texts, np.array(labels)


def fit(corpus, model_path):
    t = time.perf_counter()
    texts, y = read_texts(corpus)
    t_read = time.perf_counter() - t
    t = time.perf_counter()
    vec = TfidfVectorizer(ngram_range=(10, 10))
    X = vec.fit_transform(texts)
    t_vec = time.perf_counter() - t
    t = time.perf_counter()
    nb = MultinomialNB(alpha=0.01).fit(X, y)
    t_nb = time.perf_counter() - t
    t = time.perf_counter()
    svc = Pipeline([
        ("feature_selection", SelectFromModel(LinearSVC(penalty="l1", dual=False, tol=1e-3))),
        ("classification", LinearSVC()),
    ]).fit(X, y)
    t_svc = time.perf_counter() - t
    t = time.perf_counter()
    with open(model_path, "wb") as f:
        pickle.dump((vec, nb, svc), f, protocol=pickle.HIGHEST_PROTOCOL)
    t_save = time.perf_counter() - t
    print(json.dumps({
        "side": "scikit-learn", "sklearn": sklearn.__version__, "mode": "fit", "traces": len(y),
        "features": X.shape[1], "importSeconds": T_IMPORT, "readSeconds": t_read, "vectorizeSeconds": t_vec,
        "nbSeconds": t_nb, "svcSeconds": t_svc, "saveSeconds": t_save,
        "modelBytes": os.path.getsize(model_path), "peakRssMiB": peak_mib(),
    }))


def fit_default(corpus, model_path):
    t = time.perf_counter()
    texts, y = read_texts(corpus)
    t_read = time.perf_counter() - t
    t = time.perf_counter()
    vec = TfidfVectorizer(ngram_range=(10, 10), sublinear_tf=True, min_df=2)
    X = vec.fit_transform(texts)
    del texts
    t_vec = time.perf_counter() - t
    t = time.perf_counter()
    svc = LinearSVC(C=10).fit(X, y)
    t_svc = time.perf_counter() - t
    t = time.perf_counter()
    with open(model_path, "wb") as f:
        pickle.dump((vec, svc), f, protocol=pickle.HIGHEST_PROTOCOL)
    t_save = time.perf_counter() - t
    print(json.dumps({
        "side": "scikit-learn", "sklearn": sklearn.__version__, "mode": "fit-default", "traces": len(y),
        "features": X.shape[1], "importSeconds": T_IMPORT, "readSeconds": t_read, "vectorizeSeconds": t_vec,
        "svcSeconds": t_svc, "saveSeconds": t_save, "peakRssMiB": peak_mib(),
    }))


def scan(model_path, corpus):
    t = time.perf_counter()
    with open(model_path, "rb") as f:
        vec, nb, svc = pickle.load(f)
    t_load = time.perf_counter() - t
    t = time.perf_counter()
    texts, y = read_texts(corpus)
    X = vec.transform(texts)
    verdicts = nb.predict(X).astype(int) | svc.predict(X).astype(int)
    t_scan = time.perf_counter() - t
    print(json.dumps({
        "side": "scikit-learn", "mode": "scan", "traces": len(y), "loadSeconds": t_load, "scanSeconds": t_scan,
        "malicious": int(verdicts.sum()), "peakRssMiB": peak_mib(),
    }))


def predict(model_path, corpus):
    t = time.perf_counter()
    with open(model_path, "rb") as f:
        vec, *members = pickle.load(f)
    t_load = time.perf_counter() - t

    def verdict(X):  # ANY over the members: (nb, svc) from `fit`, (svc,) from `fit-default`
        return max(int(m.predict(X)[0]) for m in members)

    files = trace_files(corpus)
    for path, _ in files:  # untimed warm-up pass, as on the JavaScript side
        with open(path, "rb") as f:
            verdict(vec.transform([text_of(f.read())]))
    times, sizes, agree = [], [], 0
    for path, label in files:
        t = time.perf_counter()
        with open(path, "rb") as f:
            data = f.read()
        v = verdict(vec.transform([text_of(data)]))
        times.append(time.perf_counter() - t)
        sizes.append(len(data))
        agree += v == label
    largest = max(range(len(sizes)), key=lambda i: sizes[i])
    print(json.dumps({
        "side": "scikit-learn", "mode": "predict", "traces": len(times), "loadSeconds": t_load,
        "medianSeconds": statistics.median(times), "largestSeconds": times[largest],
        "largestBytes": sizes[largest], "totalSeconds": sum(times), "trainingAccuracyAny": agree / len(times),
        "peakRssMiB": peak_mib(),
    }))


if __name__ == "__main__":
    modes = {"fit": fit, "fit-default": fit_default, "scan": scan, "predict": predict}
    if len(sys.argv) != 4 or sys.argv[1] not in modes:
        sys.exit(__doc__)
    modes[sys.argv[1]](sys.argv[2], sys.argv[3])
