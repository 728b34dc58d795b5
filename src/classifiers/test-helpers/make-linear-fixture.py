#!/usr/bin/python3
"""Reference values of scikit-learn 1.2.1 on the small deterministic problem of
linear-fixture.ts, printed as JSON (pasted into the tests; tests never run Python).

    /usr/bin/python3 src/classifiers/test-helpers/make-linear-fixture.py
"""
import json
import numpy as np
import scipy.sparse as sp
from sklearn.svm import LinearSVC
from sklearn.linear_model import SGDClassifier
from sklearn.utils._random import _our_rand_r_py

ROWS, COLS = 40, 30


def problem():
    rows, cols, vals = [], [], []
    for i in range(ROWS):
        for j in range(COLS):
            h = (i * 31 + j * 17 + i * j * 7) % 11
            if h < 3:
                v = ((i * 13 + j * 7) % 10 + 1) / 10
                if h == 0:
                    v = v + 0.05
                rows.append(i); cols.append(j); vals.append(v)
    X = sp.csr_matrix((vals, (rows, cols)), shape=(ROWS, COLS))
    y = np.array([1 if (i % 3 == 0 or (i * 7) % 5 == 1) else 0 for i in range(ROWS)])
    return X, y


def main():
    X, y = problem()
    out = {}
    for name, est in [
        ('l2', LinearSVC(random_state=0)),
        ('l2_c10_seed7', LinearSVC(C=10, random_state=7, tol=1e-6)),
        ('l2_noint', LinearSVC(fit_intercept=False, random_state=0)),
        ('l1', LinearSVC(penalty='l1', dual=False, tol=1e-3, random_state=0)),
        ('l1_c5_scaling2', LinearSVC(penalty='l1', dual=False, C=5, intercept_scaling=2, random_state=3)),
        ('sgd_hinge', SGDClassifier(random_state=0)),
        ('sgd_l1', SGDClassifier(penalty='l1', random_state=1)),
        ('sgd_log_avg', SGDClassifier(loss='log_loss', average=True, random_state=0)),
    ]:
        est.fit(X, y)
        out[name] = {
            'n_iter': int(np.max(est.n_iter_)),
            'intercept': float(np.atleast_1d(est.intercept_)[0]),
            'coef': [float(v) for v in est.coef_.ravel()],
        }
    out['our_rand_r_first'] = {s: int(_our_rand_r_py(s)) for s in (0, 1, 209652396, 123456789, 4294967295)}
    print(json.dumps(out))


if __name__ == '__main__':
    main()
