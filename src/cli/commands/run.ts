/** `ntmaldetect run [options] -- program [args...]`: trace a program under NtTrace and classify it live. */
import { runnerCommand } from '../../runner/cli.js';

export default runnerCommand('run');
