/**
 * Typed errors of the TF-IDF vectorizer.
 *
 * @packageDocumentation
 */
import { NtmdError } from '../errors.js';

/**
 * Fitting found no n-gram to learn, or pruning by `minDf` / `maxDf` / `maxFeatures` left
 * none. Code `EMPTY_VOCABULARY`; the message says which (scikit-learn's wording).
 */
export class EmptyVocabularyError extends NtmdError {
  constructor(message: string) {
    super('EMPTY_VOCABULARY', message);
  }
}

/**
 * A call name cannot be one token of scikit-learn's default `token_pattern`
 * (`(?u)\b\w\w+\b`): it would be split or dropped there, so our n-grams could not match
 * its features. Code `UNSUPPORTED_CALL_NAME`.
 */
export class UnsupportedCallNameError extends NtmdError {
  /** The offending name. */
  readonly callName: string;

  constructor(callName: string) {
    super(
      'UNSUPPORTED_CALL_NAME',
      `call name ${JSON.stringify(callName)} is not a single word token (two or more letters, digits or underscores): scikit-learn would split or drop it`,
    );
    this.callName = callName;
  }
}

/** A serialised vectorizer state is inconsistent. Code `INVALID_TFIDF_STATE`; the message names the field. */
export class TfidfStateError extends NtmdError {
  /** The offending field of the state. */
  readonly field: string;

  constructor(field: string, problem: string) {
    super('INVALID_TFIDF_STATE', `invalid TF-IDF state: ${field} ${problem}`);
    this.field = field;
  }
}
