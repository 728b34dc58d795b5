/**
 * Sparse n-gram TF-IDF on call ids, in parity with scikit-learn's `TfidfVectorizer`.
 *
 * @packageDocumentation
 */
export { TfidfVectorizer, FittedTfidf, NgramCounter, resolveTfidfOptions, TOKEN_RULES } from './vectorizer.js';
export type { TfidfOptions, ResolvedTfidfOptions, TfidfNorm, TfidfState, TransformOneResult, TokenRule } from './vectorizer.js';
export { EmptyVocabularyError, UnsupportedCallNameError, TfidfStateError } from './errors.js';
export { nnz, selectRows, selectColumns, rowDot } from './csr.js';
export type { Csr } from './csr.js';
