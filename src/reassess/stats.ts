/**
 * The statistics of the promotion rule: Student's t distribution and the paired t-test over
 * cross-validation folds, optionally with Nadeau and Bengio's correction for the overlap of
 * the folds' training sets ("Inference for the Generalization Error", Machine Learning 52,
 * 2003): the variance of the mean difference is `(1/k + nTest/nTrain) * s^2` instead of
 * `s^2 / k`, which keeps the test honest when the k differences are not independent.
 *
 * @packageDocumentation
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** Natural log of the gamma function (Lanczos, g = 7; about 15 significant digits for x > 0). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b), for 0 <= x <= 1 and a, b > 0. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(x, a, b)) / a : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(T > t) for Student's t with `df` degrees of freedom (the one-sided upper tail). */
export function studentTUpperTail(t: number, df: number): number {
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 0;
  if (t === -Infinity) return 1;
  // Near t = 0, df / (df + t^2) rounds to 1: use the complementary form I_x(a, b) = 1 - I_{1-x}(b, a).
  const t2 = t * t;
  const half = t2 < df ? 0.5 * (1 - regularizedBeta(t2 / (df + t2), 0.5, df / 2)) : 0.5 * regularizedBeta(df / (df + t2), df / 2, 0.5);
  return t >= 0 ? half : 1 - half;
}

/** The result of {@link pairedTTest}. */
export interface PairedTest {
  /** Number of paired folds. */
  k: number;
  /** Mean of `a[i] - b[i]`. */
  meanDifference: number;
  /** Sample standard deviation (k - 1 in the denominator) of the differences. */
  sdDifference: number;
  /** Standard error of the mean difference used (corrected or not). */
  standardError: number;
  /** The t statistic (Infinity when every difference is the same positive number). */
  t: number;
  /** Degrees of freedom, k - 1. */
  df: number;
  /** One-sided p-value of "a is better than b" (H1: mean difference > 0). */
  pValue: number;
}

/**
 * Paired one-sided t-test of "a > b" over folds. With `testTrainRatio` (nTest / nTrain of
 * the folds) the variance gets Nadeau and Bengio's correction; with 0 it is the plain
 * paired t-test. Pairs where either value is NaN are dropped.
 */
export function pairedTTest(a: ArrayLike<number>, b: ArrayLike<number>, testTrainRatio = 0): PairedTest {
  const diffs: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = a[i] - b[i];
    if (Number.isFinite(d)) diffs.push(d);
  }
  const k = diffs.length;
  const mean = k > 0 ? diffs.reduce((s, d) => s + d, 0) / k : NaN;
  const variance = k > 1 ? diffs.reduce((s, d) => s + (d - mean) ** 2, 0) / (k - 1) : NaN;
  const sd = Math.sqrt(variance);
  const standardError = Math.sqrt((1 / k + testTrainRatio) * variance);
  let t: number;
  if (k < 2) t = NaN;
  else if (standardError === 0) t = mean > 0 ? Infinity : mean < 0 ? -Infinity : 0;
  else t = mean / standardError;
  const df = k - 1;
  const pValue = k < 2 ? NaN : mean === 0 && standardError === 0 ? 0.5 : studentTUpperTail(t, df);
  return { k, meanDifference: mean, sdDifference: sd, standardError, t, df, pValue };
}
