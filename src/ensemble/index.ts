/**
 * The ensemble: voting policies over the members' verdicts, Platt calibration of member
 * scores, and the inner cross-validation that produces the scores it is fitted on.
 *
 * @packageDocumentation
 */
export { combine, POLICIES } from './policy.js';
export type { Policy, MemberVote, Combined } from './policy.js';
export { PlattCalibrator } from './platt.js';
export type { PlattState } from './platt.js';
export { outOfFoldScores, crossValScores, innerFolds } from './calibration.js';
export type { InnerCvOptions } from './calibration.js';
export { EnsembleError, CalibrationError } from './errors.js';
