/** The local runtime could not do what it was asked: a port, a process, an app, an option. */
export class LocalRuntimeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LocalRuntimeError';
  }
}

/** A command-line option is missing or malformed; the CLI exits with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
