/**
 * What `serve --follow-production` and `serve --reassess CRON` add to a running server:
 * the served model follows the store's production model (swapped without a restart, see
 * {@link followProduction}), and, with a schedule, the server runs the re-assessments itself
 * — the way for an embedded (PGlite) store, which only its owning process may open.
 *
 * @packageDocumentation
 */
import type { Store } from '../store/store.js';
import { parseCron, scheduleCron, type CronTimer } from './cron.js';
import { reassess, type ReassessOptions, type ReassessReport } from './engine.js';
import { followProduction, type ProductionFollower, type SwappableDetector } from './swap.js';

/** Options of {@link attachReassessment}. */
export interface AttachOptions {
  /** Cron expression of the re-assessments (none: only follow the production model). */
  schedule?: string;
  /** Read the schedule in UTC. */
  utc?: boolean;
  /** Engine options of each run. */
  reassess?: ReassessOptions;
  /** How often to look for production changes made by other processes (default 5000 ms). */
  pollMs?: number;
  /** One line per event (swap, run decision, failure). */
  log?: (line: string) => void;
}

/** A running attachment. */
export interface Attachment {
  follower: ProductionFollower;
  timer?: CronTimer;
  /** Runs a re-assessment now (as the schedule does). */
  runNow(): Promise<ReassessReport>;
  stop(): void;
}

/**
 * Keeps `detector` on the store's production model (checked now, then every `pollMs` and
 * right after each promotion of a scheduled run) and, with `schedule`, re-assesses on it.
 */
export async function attachReassessment(store: Store, detector: SwappableDetector, options: AttachOptions = {}): Promise<Attachment> {
  const log = options.log ?? (() => undefined);
  const follower = followProduction(store, detector, {
    intervalMs: options.pollMs,
    onSwap: (id) => log(`now serving store model ${id}: ${detector.model.name} ${detector.model.sha256.slice(0, 12)}`),
    onError: (e) => log(`could not check the production model: ${(e as Error).message}`),
  });
  await follower.check();
  const runNow = async (): Promise<ReassessReport> => {
    const report = await reassess(store, {
      trigger: 'serve',
      ...options.reassess,
      onPromoted: async () => {
        await follower.check();
      },
    });
    log(`re-assessment run ${report.runId}: ${report.status}: ${report.reason}`);
    return report;
  };
  const timer =
    options.schedule !== undefined
      ? scheduleCron(parseCron(options.schedule, { utc: options.utc }), runNow, (e) => log(`re-assessment failed: ${(e as Error).message}`))
      : undefined;
  return {
    follower,
    timer,
    runNow,
    stop() {
      timer?.stop();
      follower.stop();
    },
  };
}
