/**
 * Typed errors of the ensemble and calibration.
 *
 * @packageDocumentation
 */
import { NtmdError } from '../errors.js';

/**
 * The votes cannot be combined: none were given (code `NO_VOTES`), or the `mean` policy
 * met a member without a calibrated probability (code `MISSING_PROBABILITY`).
 */
export class EnsembleError extends NtmdError {
  constructor(code: 'NO_VOTES' | 'MISSING_PROBABILITY', message: string) {
    super(code, message);
  }
}

/** Platt scaling was given unusable scores or labels. Code `CALIBRATION_INPUT`; the message says which. */
export class CalibrationError extends NtmdError {
  constructor(message: string) {
    super('CALIBRATION_INPUT', `Platt calibration: ${message}`);
  }
}
