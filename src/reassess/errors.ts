/**
 * Typed errors of the re-assessment engine (`src/reassess`).
 *
 * @packageDocumentation
 */
import { NtmdError } from '../errors.js';

/** A cron expression that cannot be parsed; the message names the field and the value. */
export class CronSyntaxError extends NtmdError {
  constructor(expression: string, detail: string) {
    super('CRON_SYNTAX', `invalid cron expression ${JSON.stringify(expression)}: ${detail}`);
  }
}

/** Another re-assessment holds the lock and the caller asked not to wait. */
export class ReassessBusyError extends NtmdError {
  constructor(location: string) {
    super('REASSESS_BUSY', `another re-assessment is running on ${location}`);
  }
}

/** The store has no production model (promote one first, or run `reassess`). */
export class NoProductionModelError extends NtmdError {
  constructor(what: string) {
    super(
      'NO_PRODUCTION_MODEL',
      `${what}: the store has no production model yet (run 'ntmaldetect reassess --once' or 'ntmaldetect models promote ID')`,
    );
  }
}

/** A rollback was asked for but there is no earlier production model to go back to. */
export class NothingToRollBackError extends NtmdError {
  constructor() {
    super('NOTHING_TO_ROLL_BACK', 'there is no earlier production model to roll back to');
  }
}

/** A run stopped at a checkpoint because its abort signal fired (the production model is unchanged). */
export class ReassessAbortedError extends NtmdError {
  constructor(stage: string) {
    super('REASSESS_ABORTED', `re-assessment aborted during ${stage}; the production model is unchanged`);
  }
}

/** The corpus cannot be cross-validated (too few traces of a class for the folds). */
export class CorpusTooSmallError extends NtmdError {
  constructor(detail: string) {
    super('CORPUS_TOO_SMALL', `cannot re-assess: ${detail}`);
  }
}
