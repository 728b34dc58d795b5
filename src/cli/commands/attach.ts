/** `ntmaldetect attach [options] PID`: attach NtTrace to a running process and classify it live. */
import { runnerCommand } from './run.js';

export default runnerCommand('attach');
