#!/usr/bin/env python3
"""scikit-learn side of bench/linear-estimators.mjs: fit times of the linear estimators on
the corpus's ten-gram TF-IDF matrix (built here, untimed).

    /usr/bin/python3 bench/linear_estimators.py CORPUS REPS

Prints one JSON line: {name: {"wall": [...], "cpu": [...]}} in seconds (time.perf_counter and
time.process_time around each fit call only; the matrix is already in memory).
"""
import json
import os
import sys
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

root, reps = sys.argv[1], int(sys.argv[2])
docs, y = [], []
for label, folder in ((0, 'sysBEN'), (1, 'sysMAL')):
    for f in sorted(os.listdir(os.path.join(root, folder))):
        with open(os.path.join(root, folder, f), encoding='latin-1') as fh:
            text = fh.read()
        if text.strip():
            docs.append(' '.join(text.split()))
            y.append(label)
y = np.array(y)
X = TfidfVectorizer(ngram_range=(10, 10)).fit_transform(docs)

ESTIMATORS = {
    'svc-pipeline': lambda: Pipeline([
        ('feature_selection', SelectFromModel(LinearSVC(penalty='l1', dual=False, tol=1e-3, random_state=0))),
        ('classification', LinearSVC(random_state=0))]),
    'linear-svc-l1': lambda: LinearSVC(penalty='l1', dual=False, tol=1e-3, random_state=0),
    'linear-svc-l2': lambda: LinearSVC(random_state=0),
    'sgd-hinge-l2': lambda: SGDClassifier(random_state=0),
    'sgd-hinge-l1': lambda: SGDClassifier(penalty='l1', random_state=0),
}
out = {}
for name, make in ESTIMATORS.items():
    make().fit(X, y)  # warm-up
    wall, cpu = [], []
    for _ in range(reps):
        est = make()
        w0, c0 = time.perf_counter(), time.process_time()
        est.fit(X, y)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    out[name] = {'wall': wall, 'cpu': cpu}
print(json.dumps(out))
