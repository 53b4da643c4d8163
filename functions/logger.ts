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
    const line = {
      level,
      message,
      timestamp: new Date(this.clock()).toISOString(),
      jobId: this.keys.jobId,
      scheduledTime: this.keys.scheduledTime,
      attempt: this.keys.attempt,
      requestId: this.keys.requestId,
      ...extra,
    };
    this.sink(JSON.stringify(line));
  }
}
