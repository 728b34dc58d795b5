#!/usr/bin/python3
"""scikit-learn 1.2.1 SGDClassifier values on the shared corpus's ten-gram TF-IDF matrix,
printed as JSON for l1-selected-svc.parity.test.ts (tests never run Python).

    /usr/bin/python3 src/classifiers/test-helpers/make-corpus-sgd-values.py ../shared/corpus
"""
import json, os, sys
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier

root = sys.argv[1]
docs, y = [], []
for label, folder in ((0, 'sysBEN'), (1, 'sysMAL')):
    for f in sorted(os.listdir(os.path.join(root, folder))):
        text = open(os.path.join(root, folder, f)).read()
        if text.strip():
            docs.append(' '.join(text.split()))
            y.append(label)
X = TfidfVectorizer(ngram_range=(10, 10)).fit_transform(docs)
out = {}
for name, kw in (('hinge_l2', {}), ('hinge_l1', {'penalty': 'l1'})):
    c = SGDClassifier(random_state=0, **kw).fit(X, y)
    out[name] = {'n_iter': int(c.n_iter_), 'intercept': float(c.intercept_[0]),
                 'nnz': int((c.coef_ != 0).sum()), 'decision_first8': c.decision_function(X[:8]).tolist()}
print(json.dumps(out))
