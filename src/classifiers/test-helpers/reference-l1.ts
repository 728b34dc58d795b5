/**
 * Test oracle: LIBLINEAR's solver 5 written as plainly as `maths-reference.md` §4.2 states
 * it — column arrays, column numbers in the shuffled index, every column's gradient
 * computed on every visit. The production solver (`l1-svc-solver.ts`) must give the same
 * weights bit for bit: its block layout, shuffled block offsets and gradient-bound screening
 * are meant to change the cost only.
 */
import type { LinearProblem } from '../linear-svc-dual.js';
import { Mt19937, shufflePrefix } from '../rng.js';

/** Weights (bias last when `bias > 0`) and outer iterations of the plain solver 5. */
export function referenceL1(prob: LinearProblem, eps: number, maxIter: number, seed: number): { w: Float64Array; nIter: number } {
  const { X, rows, y, bias } = prob;
  const l = rows.length;
  const n = X.cols + (bias > 0 ? 1 : 0);
  // column j as lists of (training position, y·x)
  const colPos: number[][] = Array.from({ length: n }, () => []);
  const colVal: number[][] = Array.from({ length: n }, () => []);
  rows.forEach((r, k) => {
    for (let p = X.indptr[r]; p < X.indptr[r + 1]; p++) {
      colPos[X.indices[p]].push(k);
      colVal[X.indices[p]].push(y[k] * X.data[p]);
    }
    if (bias > 0) {
      colPos[n - 1].push(k);
      colVal[n - 1].push(y[k] * bias);
    }
  });
  const C = Array.from(y, (v) => (v > 0 ? prob.Cp : prob.Cn));
  const w = new Float64Array(n);
  const b = new Float64Array(l).fill(1);
  const xjSq = colPos.map((ps, j) => ps.reduce((s, k, t) => s + C[k] * colVal[j][t] * colVal[j][t], 0));
  const index = Int32Array.from({ length: n }, (_, j) => j);
  const rng = new Mt19937(seed);
  const moveB = (j: number, step: number): void => colPos[j].forEach((k, t) => (b[k] += step * colVal[j][t]));
  const lossOn = (j: number): number => colPos[j].reduce((s, k) => (b[k] > 0 ? s + C[k] * b[k] * b[k] : s), 0);

  let active = n;
  let gmaxOld = Infinity;
  let gnorm1Init = -1;
  let iter = 0;
  while (iter < maxIter) {
    let gmaxNew = 0;
    let gnorm1New = 0;
    shufflePrefix(rng, index, active);
    for (let s = 0; s < active; s++) {
      const j = index[s];
      let G = 0;
      let H = 0;
      colPos[j].forEach((k, t) => {
        if (b[k] > 0) {
          G -= C[k] * colVal[j][t] * b[k];
          H += C[k] * colVal[j][t] * colVal[j][t];
        }
      });
      G *= 2;
      H = Math.max(2 * H, 1e-12);
      const Gp = G + 1;
      const Gn = G - 1;
      let violation = 0;
      if (w[j] === 0) {
        if (Gp < 0) violation = -Gp;
        else if (Gn > 0) violation = Gn;
        else if (Gp > gmaxOld / l && Gn < -gmaxOld / l) {
          active--;
          [index[s], index[active]] = [index[active], index[s]];
          s--;
          continue;
        }
      } else violation = w[j] > 0 ? Math.abs(Gp) : Math.abs(Gn);
      gmaxNew = Math.max(gmaxNew, violation);
      gnorm1New += violation;
      let d = Gp < H * w[j] ? -Gp / H : Gn > H * w[j] ? -Gn / H : -w[j];
      if (Math.abs(d) < 1e-12) continue;
      let delta = Math.abs(w[j] + d) - Math.abs(w[j]) + G * d;
      let dOld = 0;
      let lossOld = 0;
      let tries = 0;
      for (; tries < 20; tries++) {
        let cond = Math.abs(w[j] + d) - Math.abs(w[j]) - 0.01 * delta;
        if (xjSq[j] * d * d + G * d + cond <= 0) {
          moveB(j, dOld - d);
          break;
        }
        if (tries === 0) lossOld = lossOn(j);
        moveB(j, dOld - d);
        cond = cond + lossOn(j) - lossOld; // (cond + new) − old, as LIBLINEAR
        if (cond <= 0) break;
        dOld = d;
        d *= 0.5;
        delta *= 0.5;
      }
      w[j] += d;
      if (tries >= 20) {
        b.fill(1);
        for (let i = 0; i < n; i++) if (w[i] !== 0) moveB(i, -w[i]);
      }
    }
    if (iter === 0) gnorm1Init = gnorm1New;
    iter++;
    if (gnorm1New <= eps * gnorm1Init) {
      if (active === n) break;
      active = n;
      gmaxOld = Infinity;
      continue;
    }
    gmaxOld = gmaxNew;
  }
  return { w, nIter: iter };
}
