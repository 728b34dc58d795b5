/**
 * The worker script of `store import --threads`: serves the `prepare-files` job of
 * `prepare-job.ts`.
 *
 * @packageDocumentation
 */
import { serveJobs } from '../threads.js';
import { prepareFilesJob } from './prepare-job.js';

await serveJobs({ 'prepare-files': prepareFilesJob });
