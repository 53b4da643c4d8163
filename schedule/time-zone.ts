import { SECONDS_PER_DAY } from './calendar.ts';
import { ScheduleError } from './errors.ts';

/*
 * UTC offsets come from Intl.DateTimeFormat, which knows the tz database but costs about a
 * microsecond per call. Cron iteration asks for offsets thousands of times, so each zone keeps
 * a table of its transitions per chunk of about a year (2^25 s): the chunk is built once by
 * sampling the offset at every UTC midnight and bisecting to the second wherever two samples
 * differ. After that an offset is a map lookup and a scan over at most a few transitions.
 *
 * Sampling daily assumes a zone changes its offset at most once between two UTC midnights,
 * which holds for every zone since 1970.
 */

const CHUNK_SECONDS = 2 ** 25;

interface Chunk {
  readonly baseOffset: number;
  /** Instants (UTC seconds) inside the chunk at which the offset changes, ascending. */
  readonly times: readonly number[];
  /** offsets[i] applies from times[i] on. */
  readonly offsets: readonly number[];
}

export interface OffsetTransition {
  /** The first UTC second of the new offset. */
  readonly atSeconds: number;
  readonly offsetBefore: number;
  readonly offsetAfter: number;
}

const WALL_CLOCK = /(\d+)\/(\d+)\/(\d+),? (\d+):(\d+):(\d+)/;

export class TimeZone {
  readonly name: string;
  readonly isUtc: boolean;
  private readonly formatter: Intl.DateTimeFormat | undefined;
  private readonly chunks = new Map<number, Chunk>();
  private lastChunkIndex = Number.NaN;
  private lastChunk: Chunk | undefined;

  constructor(name: string, formatter: Intl.DateTimeFormat | undefined) {
    this.name = name;
    this.formatter = formatter;
    this.isUtc = formatter === undefined;
  }

  /** Seconds to add to a UTC instant (in whole seconds) to read the zone's wall clock. */
  offsetAt(seconds: number): number {
    if (this.isUtc) return 0;
    const index = Math.floor(seconds / CHUNK_SECONDS);
    let chunk = this.lastChunk;
    if (index !== this.lastChunkIndex || chunk === undefined) {
      chunk = this.chunks.get(index);
      if (chunk === undefined) {
        chunk = this.buildChunk(index);
        this.chunks.set(index, chunk);
      }
      this.lastChunkIndex = index;
      this.lastChunk = chunk;
    }
    let offset = chunk.baseOffset;
    const { times, offsets } = chunk;
    for (let i = 0; i < times.length; i++) {
      if (seconds < (times[i] as number)) break;
      offset = offsets[i] as number;
    }
    return offset;
  }

  /**
   * The UTC second at which the wall clock first reads `wallSeconds`, or undefined when that
   * wall time does not exist (a spring-forward gap). A repeated wall time gives its first
   * occurrence, which is the one EventBridge Scheduler runs.
   */
  wallToUtc(wallSeconds: number): number | undefined {
    if (this.isUtc) return wallSeconds;
    const earlier = this.offsetAt(wallSeconds - SECONDS_PER_DAY);
    const later = this.offsetAt(wallSeconds + SECONDS_PER_DAY);
    const withEarlier = wallSeconds - earlier;
    const earlierValid = this.offsetAt(withEarlier) === earlier;
    if (earlier === later) return earlierValid ? withEarlier : undefined;
    const withLater = wallSeconds - later;
    const laterValid = this.offsetAt(withLater) === later;
    if (earlierValid && laterValid) return Math.min(withEarlier, withLater);
    if (earlierValid) return withEarlier;
    return laterValid ? withLater : undefined;
  }

  /** Every offset change with from <= atSeconds < until. */
  transitions(fromSeconds: number, untilSeconds: number): OffsetTransition[] {
    const found: OffsetTransition[] = [];
    if (this.isUtc || untilSeconds <= fromSeconds) return found;
    const last = Math.floor((untilSeconds - 1) / CHUNK_SECONDS);
    for (let index = Math.floor(fromSeconds / CHUNK_SECONDS); index <= last; index++) {
      this.offsetAt(index * CHUNK_SECONDS);
      const chunk = this.chunks.get(index) as Chunk;
      let before = chunk.baseOffset;
      chunk.times.forEach((atSeconds, i) => {
        const after = chunk.offsets[i] as number;
        if (atSeconds >= fromSeconds && atSeconds < untilSeconds) {
          found.push({ atSeconds, offsetBefore: before, offsetAfter: after });
        }
        before = after;
      });
    }
    return found;
  }

  private buildChunk(index: number): Chunk {
    const start = index * CHUNK_SECONDS;
    const end = start + CHUNK_SECONDS;
    const baseOffset = this.queryOffset(start);
    const times: number[] = [];
    const offsets: number[] = [];
    let sampleAt = start;
    let sampleOffset = baseOffset;
    while (sampleAt < end) {
      const nextAt = Math.min(sampleAt + SECONDS_PER_DAY, end);
      const nextOffset = this.queryOffset(nextAt);
      if (nextOffset !== sampleOffset) {
        const changeAt = this.bisect(sampleAt, nextAt, sampleOffset);
        // A change exactly at the chunk's end is the next chunk's base offset.
        if (changeAt < end) {
          times.push(changeAt);
          offsets.push(nextOffset);
        }
      }
      sampleAt = nextAt;
      sampleOffset = nextOffset;
    }
    return { baseOffset, times, offsets };
  }

  /** The first second in (low, high] whose offset differs from `lowOffset`. */
  private bisect(low: number, high: number, lowOffset: number): number {
    let lo = low;
    let hi = high;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.queryOffset(mid) === lowOffset) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  private queryOffset(seconds: number): number {
    const text = (this.formatter as Intl.DateTimeFormat).format(seconds * 1000);
    const parts = WALL_CLOCK.exec(text);
    if (parts === null) throw new Error(`unexpected Intl output for ${this.name}: ${text}`);
    const [, month, day, year, hour, minute, second] = parts.map(Number) as number[];
    const wallMs = Date.UTC(
      year as number,
      (month as number) - 1,
      day as number,
      (hour as number) % 24,
      minute as number,
      second as number,
    );
    // Date.UTC reads two-digit years as 19xx; the engine never asks about years 0-99.
    return Math.round(wallMs / 1000) - seconds;
  }
}

const UTC_NAMES = new Set(['UTC', 'Etc/UTC']);
const zones = new Map<string, TimeZone>();

/**
 * The zone for an IANA name, cached for the life of the process. Names Intl does not know are
 * refused, and so are bare offsets such as `+02:00`, which Scheduler does not take.
 */
export function timeZone(name: string): TimeZone {
  const cached = zones.get(name);
  if (cached !== undefined) return cached;
  const zone = new TimeZone(name, UTC_NAMES.has(name) ? undefined : createFormatter(name));
  zones.set(name, zone);
  return zone;
}

function createFormatter(name: string): Intl.DateTimeFormat {
  const rule = 'be an IANA time zone name such as America/New_York';
  if (name.trim() === '' || /^[+-]/.test(name)) {
    throw new ScheduleError(`\`timezone\` must ${rule}, got: ${name}`, {
      field: 'timezone',
      input: name,
    });
  }
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (cause) {
    throw new ScheduleError(`\`timezone\` must ${rule}, got: ${name}`, {
      field: 'timezone',
      input: name,
      cause,
    });
  }
  // Intl forgives the case of a name; the IANA database, and so the deploy, may not. Every
  // part of an IANA name begins with a capital letter; where Intl names the zone the same
  // way but for case, that spelling is the one to use.
  const canonical = formatter.resolvedOptions().timeZone;
  const sameButCase = canonical !== name && canonical.toLowerCase() === name.toLowerCase();
  if (sameButCase || !name.split('/').every((part) => /^[A-Z]/.test(part))) {
    const spelling = sameButCase ? canonical : 'each part beginning with a capital letter';
    throw new ScheduleError(
      `\`timezone\` must be spelled as the IANA database spells it, ${spelling}, got: ${name}`,
      { field: 'timezone', input: name },
    );
  }
  return formatter;
}

/** Forget every cached offset table, so a benchmark can measure a cold start. */
export function clearTimeZoneCache(): void {
  zones.clear();
}

/** An instant on the zone's wall clock with its offset: 'YYYY-MM-DDTHH:MM:SS+HH:MM'. */
export function formatLocal(date: Date, zoneName: string): string {
  const zone = timeZone(zoneName);
  const seconds = Math.floor(date.getTime() / 1000);
  const offset = zone.offsetAt(seconds);
  const wall = new Date((seconds + offset) * 1000).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const minutes = Math.round(Math.abs(offset) / 60);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${wall}${sign}${hh}:${mm}`;
}
