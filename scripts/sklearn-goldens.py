#!/usr/bin/python3
"""scikit-learn goldens for the parity tests: numbers computed by scikit-learn 1.2.1 on the
shared corpus, written as JSON fixtures the tests compare against (tests never run Python).

    /usr/bin/python3 scripts/sklearn-goldens.py [SHARED]     # SHARED defaults to ../shared

Run it with Debian's python3-sklearn (/usr/bin/python3: scikit-learn 1.2.1, numpy 1.24.2,
scipy 1.10.1). It reads SHARED/corpus (the 215 non-empty traces, in the order of
SHARED/reference/README.md) and the reference folds SHARED/reference/cv-folds.json (setting
`all`), and writes two files. Neither holds corpus content: only numbers we computed, keyed by
the traces' file names (`sysBEN/...`, `sysMAL/...`).

- fixtures/sklearn/cv-ntmaldetect-2018.json (read by src/eval/parity.test.ts): for each of the
  10 reference folds, fit on the other folds (vectorizer included) the upstream 2018 members
  and record every test trace's out-of-fold margin and label:
  `multinomial-nb` = [joint log-likelihood of class 1 minus that of class 0, label] of
  MultinomialNB(alpha=0.01); `linear-svc` = [decision value, label] of
  SelectFromModel(LinearSVC(penalty='l1', dual=False, tol=1e-3, random_state=0)) then
  LinearSVC(random_state=0).
- fixtures/sklearn/default-preset.json (read by src/model/default-preset.parity.test.ts): the
  shipped `default` preset (src/model/presets.ts) in scikit-learn terms,
  TfidfVectorizer(ngram_range=(10, 10), sublinear_tf=True, min_df=2) then
  LinearSVC(C=10, random_state=0) (penalty l2, squared hinge, dual, tol 1e-4, 1000
  iterations), fitted (a) on all 215 traces: vocabulary size and hash, idf statistics, weight
  statistics, intercept, n_iter_, and the decision value of every trace; (b) on each reference
  fold's training part: vocabulary size, n_iter_, and each test trace's out-of-fold decision
  value.

Floats are written with Python's repr (shortest round-trip).
"""
import hashlib
import json
import os
import sys
import warnings

import numpy as np
import scipy
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.feature_selection import SelectFromModel
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '..', 'shared'))
OUT = os.path.join(ROOT, 'fixtures', 'sklearn')


def load_corpus():
    names, texts, labels = [], [], []
    for label, folder in ((0, 'sysBEN'), (1, 'sysMAL')):
        for f in sorted(os.listdir(os.path.join(SHARED, 'corpus', folder))):
            with open(os.path.join(SHARED, 'corpus', folder, f), 'rb') as fh:
                text = ' '.join(fh.read().decode('utf-8', 'replace').split())
            if text:
                names.append(f'{folder}/{f}')
                texts.append(text)
                labels.append(label)
    return names, texts, np.array(labels)


def reference_folds(names):
    with open(os.path.join(SHARED, 'reference', 'cv-folds.json')) as fh:
        setting = json.load(fh)['settings']['all']
    assert setting['document_order'] == names, 'corpus order differs from cv-folds.json'
    index = {n: i for i, n in enumerate(names)}
    return [np.array([index[n] for n in fold]) for fold in setting['test_folds']]


def versions():
    return {'scikit-learn': sklearn.__version__, 'numpy': np.__version__, 'scipy': scipy.__version__}


def write(name, obj):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), 'w') as fh:
        json.dump(obj, fh, indent=1)
        fh.write('\n')


def accuracy(y, labels):
    return float(np.mean(y == labels))


def cv_2018(names, texts, y, folds):
    nb, svc, fold_of = {}, {}, {}
    n = len(names)
    for k, test in enumerate(folds):
        train = np.setdiff1d(np.arange(n), test)
        vec = TfidfVectorizer(ngram_range=(10, 10))
        Xtr = vec.fit_transform([texts[i] for i in train])
        Xte = vec.transform([texts[i] for i in test])
        m = MultinomialNB(alpha=0.01).fit(Xtr, y[train])
        jll = m.predict_joint_log_proba(Xte) if hasattr(m, 'predict_joint_log_proba') else m._joint_log_likelihood(Xte)
        nb_lab = m.predict(Xte)
        p = Pipeline([
            ('feature_selection', SelectFromModel(LinearSVC(penalty='l1', dual=False, tol=1e-3, random_state=0))),
            ('classification', LinearSVC(random_state=0)),
        ]).fit(Xtr, y[train])
        dec = p.decision_function(Xte)
        svc_lab = p.predict(Xte)
        for j, i in enumerate(test):
            fold_of[names[i]] = k
            nb[names[i]] = [float(jll[j, 1] - jll[j, 0]), int(nb_lab[j])]
            svc[names[i]] = [float(dec[j]), int(svc_lab[j])]
    nb_all = np.array([nb[x][1] for x in names])
    svc_all = np.array([svc[x][1] for x in names])
    return {
        'generated_by': 'scripts/sklearn-goldens.py',
        'versions': versions(),
        'folds': 'cv-folds.json, setting all (215 traces); vectorizer fitted on each training part',
        'models': {
            'multinomial-nb': 'TfidfVectorizer(ngram_range=(10, 10)) + MultinomialNB(alpha=0.01); value = jll[1] - jll[0]',
            'linear-svc': "TfidfVectorizer(ngram_range=(10, 10)) + Pipeline(SelectFromModel(LinearSVC(penalty='l1', dual=False, tol=1e-3, random_state=0)), LinearSVC(random_state=0)); value = decision_function",
        },
        'accuracy': {
            'multinomial-nb': accuracy(y, nb_all),
            'linear-svc': accuracy(y, svc_all),
            'any': accuracy(y, nb_all | svc_all),
            'all': accuracy(y, nb_all & svc_all),
        },
        'fold_of': fold_of,
        'multinomial-nb': nb,
        'linear-svc': svc,
    }


def default_vectorizer():
    return TfidfVectorizer(ngram_range=(10, 10), sublinear_tf=True, min_df=2)


def default_svc():
    return LinearSVC(C=10, random_state=0)


def default_preset(names, texts, y, folds):
    warned = []
    with warnings.catch_warnings():
        warnings.simplefilter('error', ConvergenceWarning)
        vec = default_vectorizer()
        X = vec.fit_transform(texts)
        try:
            svc = default_svc().fit(X, y)
        except ConvergenceWarning:
            warned.append('full')
            warnings.simplefilter('ignore', ConvergenceWarning)
            svc = default_svc().fit(X, y)
    features = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
    df = np.bincount(X.indices, minlength=X.shape[1])
    idf = vec.idf_
    coef = svc.coef_[0]
    full_dec = svc.decision_function(X)
    full = {
        'n_documents': int(X.shape[0]),
        'vocabulary_size': len(features),
        'vocabulary_sha256': hashlib.sha256('\n'.join(features).encode()).hexdigest(),
        'nnz': int(X.nnz),
        'df_histogram': {str(int(d)): int(c) for d, c in zip(*np.unique(df, return_counts=True))},
        'idf_min': float(idf.min()),
        'idf_max': float(idf.max()),
        'idf_sum': float(idf.sum()),
        'n_iter': int(svc.n_iter_),
        'intercept': float(svc.intercept_[0]),
        'coef_l2_norm': float(np.linalg.norm(coef)),
        'coef_l1_norm': float(np.abs(coef).sum()),
        'coef_nonzero': int(np.count_nonzero(coef)),
        'coef_above_1e-12': int(np.count_nonzero(np.abs(coef) > 1e-12)),
        'coef_min_nonzero_abs': float(np.abs(coef[coef != 0]).min()),
        'training_accuracy': accuracy(y, svc.predict(X)),
        'decision_function': {n: float(v) for n, v in zip(names, full_dec)},
    }
    n = len(names)
    fold_of, oof, fold_info = {}, {}, []
    for k, test in enumerate(folds):
        train = np.setdiff1d(np.arange(n), test)
        v = default_vectorizer()
        Xtr = v.fit_transform([texts[i] for i in train])
        Xte = v.transform([texts[i] for i in test])
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always', ConvergenceWarning)
            s = default_svc().fit(Xtr, y[train])
        if any(issubclass(x.category, ConvergenceWarning) for x in w):
            warned.append(f'fold {k}')
        fold_info.append({'vocabulary_size': len(v.vocabulary_), 'n_iter': int(s.n_iter_), 'intercept': float(s.intercept_[0])})
        dec = s.decision_function(Xte)
        for j, i in enumerate(test):
            fold_of[names[i]] = k
            oof[names[i]] = float(dec[j])
    labels = np.array([1 if oof[x] > 0 else 0 for x in names])
    return {
        'generated_by': 'scripts/sklearn-goldens.py',
        'versions': versions(),
        'preset': 'default',
        'sklearn': 'TfidfVectorizer(ngram_range=(10, 10), sublinear_tf=True, min_df=2) + LinearSVC(C=10, random_state=0)',
        'convergence_warnings': warned,
        'full': full,
        'cv_reference': {
            'folds': 'cv-folds.json, setting all (215 traces); vectorizer fitted on each training part',
            'accuracy': accuracy(y, labels),
            'per_fold': fold_info,
            'fold_of': fold_of,
            'decision_function': oof,
        },
    }


def main():
    names, texts, y = load_corpus()
    folds = reference_folds(names)
    write('cv-ntmaldetect-2018.json', cv_2018(names, texts, y, folds))
    write('default-preset.json', default_preset(names, texts, y, folds))


if __name__ == '__main__':
    main()
