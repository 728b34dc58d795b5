/**
 * The random streams scikit-learn's linear models use, reproduced exactly so that the
 * coordinate orders of our solvers are the same as scikit-learn's for the same
 * `random_state`:
 *
 * - {@link Mt19937} (`src/stats/random.ts`, shared with the folds): the 32-bit Mersenne Twister, the
 *   generator behind both `std::mt19937` (LIBLINEAR as vendored by scikit-learn) and numpy's
 *   legacy `RandomState`. Seeding is `init_genrand`, the same in both.
 * - {@link boundedRandInt}: scikit-learn's `bounded_rand_int` (Lemire's multiply-shift
 *   with rejection, `sklearn/svm/src/newrand/newrand.h`).
 * - {@link sklearnSeed}: the seed scikit-learn derives from an integer `random_state`,
 *   `RandomState(random_state).randint(2**31 - 1)` (numpy's masked rejection sampling).
 * - {@link RandR}: the xorshift `our_rand_r` of `sklearn/utils/_random.pxd`, which shuffles
 *   the rows of SGD's sequential datasets.
 *
 * All arithmetic is on unsigned 32-bit integers held in JavaScript numbers; nothing allocates
 * per draw.
 *
 * @packageDocumentation
 */
import { InvalidOptionError } from '../errors.js';
import { Mt19937 } from '../stats/random.js';

export { Mt19937 };

/** Ranges up to 2^21 multiply exactly in doubles (2^32 · 2^21 = 2^53). */
const EXACT_RANGE = 0x200000;

/**
 * A uniform integer in `[0, range)` exactly as scikit-learn's `bounded_rand_int(range)`:
 * `m = x * range` on 64 bits; reject while the low word is below `2^32 mod range`; return
 * the high word. `range` must be in `[1, 2^32)`.
 */
export function boundedRandInt(rng: Mt19937, range: number): number {
  if (range <= EXACT_RANGE) {
    // x · range < 2^53: the 64-bit product is exact in a double.
    let m = rng.nextUint32() * range;
    let lo = m % 0x100000000;
    if (lo < range) {
      const t = (0x100000000 - range) % range;
      while (lo < t) {
        m = rng.nextUint32() * range;
        lo = m % 0x100000000;
      }
    }
    return (m - lo) / 0x100000000;
  }
  let x = rng.nextUint32();
  let lo = mulLow32(x, range);
  if (lo < range) {
    const t = (0x100000000 - range) % range;
    while (lo < t) {
      x = rng.nextUint32();
      lo = mulLow32(x, range);
    }
  }
  return mulHigh32(x, range);
}

/**
 * Fisher–Yates shuffle of `index[0..length)` as LIBLINEAR's solvers do it:
 * for each `i`, swap `index[i]` with `index[i + boundedRandInt(length - i)]`.
 */
export function shufflePrefix(rng: Mt19937, index: Int32Array | Float64Array, length: number): void {
  for (let i = 0; i < length; i++) {
    const j = i + boundedRandInt(rng, length - i);
    const tmp = index[i];
    index[i] = index[j];
    index[j] = tmp;
  }
}

/** Low 32 bits of the 64-bit product of two unsigned 32-bit integers. */
function mulLow32(a: number, b: number): number {
  return Math.imul(a, b) >>> 0;
}

/** High 32 bits of the 64-bit product of two unsigned 32-bit integers. */
function mulHigh32(a: number, b: number): number {
  const aHi = a >>> 16;
  const aLo = a & 0xffff;
  const bHi = b >>> 16;
  const bLo = b & 0xffff;
  const ll = aLo * bLo;
  const mid1 = aHi * bLo;
  const mid2 = aLo * bHi;
  const hh = aHi * bHi;
  // carry from the low 32 bits into the high word
  const carry = Math.floor(((ll >>> 16) + (mid1 & 0xffff) + (mid2 & 0xffff)) / 0x10000);
  return (hh + Math.floor(mid1 / 0x10000) + Math.floor(mid2 / 0x10000) + carry) >>> 0;
}

/** `np.iinfo(np.int32).max`: the exclusive bound scikit-learn draws its solver seeds below. */
export const INT32_MAX = 0x7fffffff;

/**
 * The seed scikit-learn hands to its compiled solvers for an integer `random_state`:
 * `np.random.RandomState(randomState).randint(2**31 - 1)`. numpy's legacy `randint` draws
 * 32-bit outputs masked to the smallest covering power of two minus one and rejects those
 * above the range. For `randomState = 0` this is 209652396.
 *
 * @param randomState a non-negative integer below 2^32.
 */
export function sklearnSeed(randomState: number): number {
  if (!Number.isInteger(randomState) || randomState < 0 || randomState > 0xffffffff) {
    throw new InvalidOptionError('seed', 'an integer in [0, 2^32)', randomState);
  }
  // randint(high) draws from [0, high - 1] by masked rejection: numpy's random_interval.
  return new Mt19937(randomState).interval(INT32_MAX - 1);
}

/** `RAND_R_MAX` of scikit-learn's `_random.pxd`. */
const RAND_R_MAX = 0x7fffffff;

/**
 * scikit-learn's `our_rand_r` xorshift generator (`sklearn/utils/_random.pxd`): state
 * `s ^= s << 13; s ^= s >> 17; s ^= s << 5` on 32 bits, output `s mod (RAND_R_MAX + 1)`.
 * A zero state is replaced by 1 first.
 */
export class RandR {
  private state: number;

  /** @param seed unsigned 32-bit start state (0 becomes 1, as scikit-learn's `DEFAULT_SEED`). */
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** Next output in `[0, 2^31)`. */
  next(): number {
    let s = this.state || 1;
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    this.state = s;
    return s % (RAND_R_MAX + 1);
  }

  /** `rand_int(end)`: `next() mod end`. */
  nextInt(end: number): number {
    return this.next() % end;
  }
}
