/**
 * A small cron parser for `reassess --schedule` and `serve --reassess`: the five classic
 * fields `minute hour day-of-month month day-of-week`, each `*`, a number, a range `a-b`, a
 * step `*\/n` or `a-b/n`, or a comma list of those; month and weekday names (`jan`, `mon`);
 * 0 or 7 for Sunday; and the shorthands `@hourly`, `@daily`/`@midnight`, `@weekly`,
 * `@monthly`, `@yearly`/`@annually`. As in Vixie cron, when both day fields are restricted a
 * time matches if either does.
 *
 * @packageDocumentation
 */
import { CronSyntaxError } from './errors.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const SHORTHANDS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Value the names start at (1 for months, 0 for weekdays). */
  nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, nameBase: 0 },
];

/** A parsed cron expression. */
export interface CronSchedule {
  /** The expression as given. */
  readonly expression: string;
  /** Allowed values per field (day of week: 0-6, Sunday 0). */
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly daysOfWeek: ReadonlySet<number>;
  /** Whether the day-of-month / day-of-week fields were `*` (unrestricted). */
  readonly anyDayOfMonth: boolean;
  readonly anyDayOfWeek: boolean;
  /** Evaluate in UTC rather than local time. */
  readonly utc: boolean;
}

function parseValue(expression: string, spec: FieldSpec, text: string): number {
  const lower = text.toLowerCase();
  if (spec.names) {
    const i = spec.names.indexOf(lower);
    if (i >= 0) return i + (spec.nameBase ?? 0);
  }
  if (!/^\d+$/.test(text))
    throw new CronSyntaxError(expression, `${spec.name} field: ${JSON.stringify(text)} is not a number${spec.names ? ' or a name' : ''}`);
  const v = Number(text);
  if (v < spec.min || v > spec.max) throw new CronSyntaxError(expression, `${spec.name} field: ${v} is outside ${spec.min}-${spec.max}`);
  return v;
}

function parseField(expression: string, spec: FieldSpec, text: string): { values: Set<number>; any: boolean } {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    if (part === '') throw new CronSyntaxError(expression, `${spec.name} field: empty list item in ${JSON.stringify(text)}`);
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined) throw new CronSyntaxError(expression, `${spec.name} field: more than one '/' in ${JSON.stringify(part)}`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0)
        throw new CronSyntaxError(expression, `${spec.name} field: step ${JSON.stringify(stepText)} is not a positive integer`);
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = spec.min;
      hi = spec.name === 'day of week' ? 6 : spec.max;
    } else {
      const bounds = range.split('-');
      if (bounds.length > 2) throw new CronSyntaxError(expression, `${spec.name} field: bad range ${JSON.stringify(range)}`);
      lo = parseValue(expression, spec, bounds[0]);
      hi = bounds.length === 2 ? parseValue(expression, spec, bounds[1]) : stepText !== undefined ? spec.max : lo;
      if (hi < lo) throw new CronSyntaxError(expression, `${spec.name} field: range ${JSON.stringify(range)} runs backwards`);
    }
    for (let v = lo; v <= hi; v += step) values.add(spec.name === 'day of week' && v === 7 ? 0 : v);
  }
  return { values, any: text === '*' };
}

/**
 * Parses a cron expression. Throws {@link CronSyntaxError} naming the bad field.
 *
 * @param options.utc - evaluate the schedule in UTC (default: local time, as cron does).
 */
export function parseCron(expression: string, options: { utc?: boolean } = {}): CronSchedule {
  const trimmed = expression.trim();
  const expanded = SHORTHANDS[trimmed.toLowerCase()] ?? trimmed;
  if (expanded.startsWith('@'))
    throw new CronSyntaxError(expression, `unknown shorthand ${JSON.stringify(trimmed)} (known: ${Object.keys(SHORTHANDS).join(', ')})`);
  const parts = expanded.split(/\s+/).filter((p) => p !== '');
  if (parts.length !== 5)
    throw new CronSyntaxError(expression, `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  const f = parts.map((p, i) => parseField(expression, FIELDS[i], p));
  return {
    expression,
    minutes: f[0].values,
    hours: f[1].values,
    daysOfMonth: f[2].values,
    months: f[3].values,
    daysOfWeek: f[4].values,
    anyDayOfMonth: f[2].any,
    anyDayOfWeek: f[4].any,
    utc: options.utc === true,
  };
}

interface Clock {
  month(d: Date): number;
  date(d: Date): number;
  day(d: Date): number;
  hours(d: Date): number;
  minutes(d: Date): number;
  /** A new date at the given fields (overflow rolls over, as Date does). */
  make(y: number, mo: number, d: number, h: number, mi: number): Date;
  year(d: Date): number;
}

const UTC: Clock = {
  year: (d) => d.getUTCFullYear(),
  month: (d) => d.getUTCMonth() + 1,
  date: (d) => d.getUTCDate(),
  day: (d) => d.getUTCDay(),
  hours: (d) => d.getUTCHours(),
  minutes: (d) => d.getUTCMinutes(),
  make: (y, mo, d, h, mi) => new Date(Date.UTC(y, mo - 1, d, h, mi)),
};

const LOCAL: Clock = {
  year: (d) => d.getFullYear(),
  month: (d) => d.getMonth() + 1,
  date: (d) => d.getDate(),
  day: (d) => d.getDay(),
  hours: (d) => d.getHours(),
  minutes: (d) => d.getMinutes(),
  make: (y, mo, d, h, mi) => new Date(y, mo - 1, d, h, mi),
};

/** Whether the schedule's day fields accept this date. */
function dayMatches(s: CronSchedule, c: Clock, d: Date): boolean {
  const dom = s.daysOfMonth.has(c.date(d));
  const dow = s.daysOfWeek.has(c.day(d));
  if (s.anyDayOfMonth && s.anyDayOfWeek) return true;
  if (s.anyDayOfMonth) return dow;
  if (s.anyDayOfWeek) return dom;
  return dom || dow;
}

/** Whether `d` (to the minute) is a time the schedule fires at. */
export function cronMatches(s: CronSchedule, d: Date): boolean {
  const c = s.utc ? UTC : LOCAL;
  return s.months.has(c.month(d)) && dayMatches(s, c, d) && s.hours.has(c.hours(d)) && s.minutes.has(c.minutes(d));
}

/**
 * The first minute strictly after `after` at which the schedule fires. Throws
 * {@link CronSyntaxError} for a schedule that never fires (e.g. `0 0 30 2 *`).
 */
export function nextCronTime(s: CronSchedule, after: Date): Date {
  const c = s.utc ? UTC : LOCAL;
  let d = c.make(c.year(after), c.month(after), c.date(after), c.hours(after), c.minutes(after) + 1);
  const limit = c.year(after) + 9; // every valid date recurs within 8 years (Feb 29 and weekdays)
  while (c.year(d) <= limit) {
    if (!s.months.has(c.month(d))) {
      d = c.make(c.year(d), c.month(d) + 1, 1, 0, 0);
    } else if (!dayMatches(s, c, d)) {
      d = c.make(c.year(d), c.month(d), c.date(d) + 1, 0, 0);
    } else if (!s.hours.has(c.hours(d))) {
      d = c.make(c.year(d), c.month(d), c.date(d), c.hours(d) + 1, 0);
    } else if (!s.minutes.has(c.minutes(d))) {
      d = c.make(c.year(d), c.month(d), c.date(d), c.hours(d), c.minutes(d) + 1);
    } else {
      return d;
    }
  }
  throw new CronSyntaxError(s.expression, 'it never fires (no date matches its day and month fields)');
}

/** A running schedule; {@link stop} cancels the next firing. */
export interface CronTimer {
  /** When the next firing is due. */
  readonly next: Date;
  stop(): void;
}

/**
 * Calls `fn` at each time the schedule fires, never twice at once (a firing due while `fn`
 * still runs is skipped). Errors of `fn` go to `onError`. The timer does not keep the
 * process alive by itself (`unref`).
 */
export function scheduleCron(s: CronSchedule, fn: () => Promise<unknown>, onError: (e: unknown) => void = () => undefined): CronTimer {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running = false;
  let next = nextCronTime(s, new Date());
  const arm = (): void => {
    if (stopped) return;
    // setTimeout's limit is 2^31-1 ms (~24.8 days): wake up early and re-check if further.
    const wait = Math.min(Math.max(0, next.getTime() - Date.now()), 2 ** 31 - 1);
    timer = setTimeout(fire, wait);
    timer.unref();
  };
  const fire = (): void => {
    if (Date.now() < next.getTime()) return arm();
    next = nextCronTime(s, new Date());
    if (!running) {
      running = true;
      fn()
        .catch(onError)
        .finally(() => {
          running = false;
        });
    }
    arm();
  };
  arm();
  return {
    get next() {
      return next;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
