/**
 * The worker script of `scan --threads`: serves the `scan` job of `scan-job.ts`.
 *
 * @packageDocumentation
 */
import { serveJobs } from '../threads.js';
import { scanJob } from './scan-job.js';

await serveJobs({ scan: scanJob });
