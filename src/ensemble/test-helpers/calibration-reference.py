# Regenerates the scikit-learn numbers of calibration.test.ts (Debian python3-sklearn:
# /usr/bin/python3 src/ensemble/test-helpers/calibration-reference.py [shared-dir]).
# CalibratedClassifierCV(NB, method='sigmoid', cv=5, ensemble=False) on the shared corpus'
# ten-gram TF-IDF: the Platt (a, b) of its single calibrator. NB is MultinomialNB(alpha=0.01)
# with its log-odds jll1 - jll0 exposed as decision_function (scikit-learn would otherwise
# calibrate NB's saturated predict_proba; ntmaldetect calibrates the log-odds it reports).
import os, sys
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.naive_bayes import MultinomialNB

class LogOddsNB(MultinomialNB):
    def decision_function(self, X):
        jll = self._joint_log_likelihood(X)
        return jll[:, 1] - jll[:, 0]

shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'shared')
texts, y = [], []
for folder, label in (('sysBEN', 0), ('sysMAL', 1)):
    d = os.path.join(shared, 'corpus', folder)
    for f in sorted(os.listdir(d)):
        words = open(os.path.join(d, f), encoding='latin-1').read().split()
        if words:
            texts.append(' '.join(words))
            y.append(label)
X = TfidfVectorizer(ngram_range=(10, 10)).fit_transform(texts)
y = np.array(y)
cal = CalibratedClassifierCV(LogOddsNB(alpha=0.01), method='sigmoid', cv=5, ensemble=False).fit(X, y)
sig = cal.calibrated_classifiers_[0].calibrators[0]
print(f"a={sig.a_!r}, b={sig.b_!r}")
