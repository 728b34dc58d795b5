/**
 * The worker script of `bench --threads`: serves the `fold` job of `fold-job.ts`.
 *
 * @packageDocumentation
 */
import { serveJobs } from '../threads.js';
import { foldJob } from './fold-job.js';

await serveJobs({ fold: (data: Parameters<typeof foldJob>[0]) => foldJob(data) });
