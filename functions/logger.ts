/**
 * Logs from Lambda code: one JSON object per line, with fixed keys so that CloudWatch Logs
 * Insights can filter on them. The level comes from CRONLEDGER_LOG_LEVEL (default INFO).
 */
export const LogLevel = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, SILENT: 100 } as const;
export type LogLevel = keyof typeof LogLevel;

export interface LogKeys {
  readonly jobId?: string;
  readonly scheduledTime?: string;
  readonly attempt?: number;
  readonly requestId?: string;
}

export type LogSink = (line: string) => void;

export class Logger {
  private readonly threshold: number;

  constructor(
    private readonly keys: LogKeys = {},
    level: string | undefined = process.env.CRONLEDGER_LOG_LEVEL,
    private readonly sink: LogSink = (line) => process.stdout.write(`${line}\n`),
    private readonly clock: () => number = Date.now,
  ) {
    const name = (level ?? 'INFO').toUpperCase();
    this.threshold = name in LogLevel ? LogLevel[name as LogLevel] : LogLevel.INFO;
  }

  /** A logger that adds `keys` to every line, e.g. once the attempt number is known. */
  with(keys: LogKeys): Logger {
    const level = Object.entries(LogLevel).find(([, value]) => value === this.threshold)?.[0];
    return new Logger({ ...this.keys, ...keys }, level, this.sink, this.clock);
  }

  debug(message: string, extra?: Record<string, unknown>): void {
    this.write('DEBUG', message, extra);
  }

  info(message: string, extra?: Record<string, unknown>): void {
    this.write('INFO', message, extra);
  }

  warn(message: string, extra?: Record<string, unknown>): void {
    this.write('WARN', message, extra);
  }

  error(message: string, extra?: Record<string, unknown>): void {
    this.write('ERROR', message, extra);
  }

  private write(
    level: Exclude<LogLevel, 'SILENT'>,
    message: string,
    extra?: Record<string, unknown>,
  ): void {
    if (LogLevel[level] < this.threshold) {
      return;
    }
    const fixed = {
      level,
      message,
      timestamp: new Date(this.clock()).toISOString(),
      jobId: this.keys.jobId,
      scheduledTime: this.keys.scheduledTime,
      attempt: this.keys.attempt,
      requestId: this.keys.requestId,
    };
    this.sink(serialize(fixed, extra));
  }
}

/**
 * One log line as JSON, which a log call can never fail on: a BigInt is written as its
 * digits, a cycle as "[Circular]", and extra fields that cannot be read or written at all
 * (a throwing getter or toJSON, a hostile proxy) are replaced by a note, keeping the fixed
 * keys. Logging from a handler never turns a run into a failure.
 */
function serialize(fixed: Record<string, unknown>, extra?: Record<string, unknown>): string {
  // The objects from the root down to the value being written: a value among them is a cycle.
  const ancestors: unknown[] = [];
  try {
    return JSON.stringify({ ...fixed, ...extra }, function (this: unknown, _key, value: unknown) {
      if (typeof value === 'bigint') {
        return value.toString();
      }
      if (typeof value !== 'object' || value === null) {
        return value;
      }
      while (ancestors.length > 0 && ancestors.at(-1) !== this) {
        ancestors.pop();
      }
      if (ancestors.includes(value)) {
        return '[Circular]';
      }
      ancestors.push(value);
      return value;
    });
  } catch (error) {
    return JSON.stringify({
      ...fixed,
      logError: `the extra fields could not be written as JSON: ${describeSafely(error)}`,
    });
  }
}

/** What was thrown, as text, even when its own toString throws. */
function describeSafely(error: unknown): string {
  try {
    return String(error);
  } catch {
    try {
      return Object.prototype.toString.call(error);
    } catch {
      return 'an unreadable value';
    }
  }
}
