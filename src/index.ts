/**
 * ntmaldetect: decide whether a Windows program behaves like malware from the trace of
 * its native system calls (NtTrace logs).
 *
 * @packageDocumentation
 */
export { NtmdError, isNtmdError, InvalidOptionError, NotFittedError } from './errors.js';
export { CallTable } from './tokenize/call-table.js';
