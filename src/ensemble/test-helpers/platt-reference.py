# Regenerates the scikit-learn numbers in platt.test.ts (run with Debian's python3-sklearn:
# /usr/bin/python3 src/ensemble/test-helpers/platt-reference.py). The datasets are the
# same closed-form sequences as in the test.
import math
import numpy as np
from sklearn.calibration import _sigmoid_calibration

def dataset(kind, n):
    y = np.array([0 if (i % 3 == 0) else 1 for i in range(n)], dtype=float)
    if kind == 'overlap':
        s = np.array([math.sin(i * 1.3) * 3 + (0.8 if y[i] else -0.8) for i in range(n)])
    elif kind == 'separable':
        s = np.array([(1 + (i % 5) * 0.3) * (1 if y[i] else -1) for i in range(n)])
    else:  # 'skewed': NB-like log-odds, large magnitudes
        s = np.array([(i % 7) * 4.0 - 6 + (9 if y[i] else -9) + math.cos(i) * 5 for i in range(n)])
    return s, y

for kind, n in [('overlap', 40), ('separable', 30), ('skewed', 60)]:
    s, y = dataset(kind, n)
    a, b = _sigmoid_calibration(s, y)
    print(f"{kind}: a={a!r}, b={b!r}")
