/**
 * The worker script of {@link FeatureThreads}: reads trace files (`read-traces`) and counts
 * n-grams (`count-ngrams`) for `train()` and the commands that read a corpus.
 *
 * @packageDocumentation
 */
import { serveJobs } from '../threads.js';
import { readTracesJob } from '../corpus/read-job.js';
import { countNgramsJob } from '../tfidf/parallel.js';

await serveJobs({ 'read-traces': readTracesJob, 'count-ngrams': countNgramsJob });
