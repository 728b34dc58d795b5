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
 * A call name cannot be one token under the vectorizer's token rule. With the `'word'` rule
 * (the NT alphabet): it is not one token of scikit-learn's default `token_pattern`
 * (`(?u)\b\w\w+\b`), so scikit-learn would split or drop it and our n-grams could not match
 * its features (a model of numbers or one-character names needs the custom alphabet). With
 * the `'nonspace'` rule (the custom alphabet): it holds whitespace or a control character.
 * Code `UNSUPPORTED_CALL_NAME`.
 */
export class UnsupportedCallNameError extends NtmdError {
  /** The offending name. */
  readonly callName: string;
  /** The token rule it broke. */
  readonly rule: 'word' | 'nonspace';

  constructor(callName: string, rule: 'word' | 'nonspace' = 'word') {
    super(
      'UNSUPPORTED_CALL_NAME',
      rule === 'word'
        ? `call name ${JSON.stringify(callName)} is not a single word token (two or more letters, digits or underscores): scikit-learn would split or drop it` +
            "; for other call names (numbers, one-character names) train with the custom alphabet (--alphabet custom, or alphabet: 'custom')"
        : `call name ${JSON.stringify(callName)} holds whitespace or a control character: it cannot be one token of the custom alphabet`,
    );
    this.callName = callName;
    this.rule = rule;
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
