import { Token } from 'aws-cdk-lib';
import { UnscopedValidationError, ValidationError } from 'aws-cdk-lib/core/lib/errors';
import type { IConstruct } from 'constructs';

/** aws-cdk-lib brands error names as literal strings; ours are the literals below. */
type ErrorName = ConstructorParameters<typeof ValidationError>[0];

const CONSTRUCT_ERROR = 'CronledgerValidation' as ErrorName;
const ARGUMENT_ERROR = 'CronledgerArgument' as ErrorName;

/**
 * A prop that breaks its rule, reported the CDK way: a `ValidationError` that carries the
 * construct, whose message also starts with the construct path so that a synth log names
 * the job without the stack trace.
 */
export function invalidProp(
  scope: IConstruct,
  prop: string,
  rule: string,
  value: unknown,
): ValidationError {
  return new ValidationError(
    CONSTRUCT_ERROR,
    `${scope.node.path}: ${message(prop, rule, value)}`,
    scope,
  );
}

/**
 * A schedule that the schedule engine refused, named by the part it found wrong. The
 * engine's message already reads "`<field>` must ..., got: ..." in most cases, so it is kept
 * whole; the engine's error is the cause.
 */
export function invalidSchedule(
  scope: IConstruct,
  error: Error & { readonly field?: string },
): ValidationError {
  const field = error.field === undefined ? '' : `schedule ${error.field}: `;
  const message = `${scope.node.path}: ${field}${error.message}`;
  const invalid = new ValidationError(CONSTRUCT_ERROR, message, scope);
  Object.defineProperty(invalid, 'cause', { value: error, enumerable: false });
  return invalid;
}

/** An argument of a factory that has no construct yet, such as `JobSchedule.rate`. */
export function invalidArgument(name: string, rule: string, value: unknown): Error {
  return new UnscopedValidationError(ARGUMENT_ERROR, message(name, rule, value));
}

function message(prop: string, rule: string, value: unknown): string {
  return `\`${prop}\` must ${rule}, got: ${render(value)}`;
}

function render(value: unknown): string {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  }
  if (typeof value === 'string') {
    return Token.isUnresolved(value) ? '(token)' : value;
  }
  if (typeof value === 'object' && value !== null && 'toHumanString' in value) {
    return String((value as { toHumanString(): string }).toHumanString());
  }
  if (typeof value === 'number') {
    return String(value);
  }
  return JSON.stringify(value) ?? String(value);
}
