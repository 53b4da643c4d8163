import { ValidationError } from 'aws-cdk-lib/core/lib/errors';
import { createApp } from './app.ts';

// The CLI runs this file; the App synthesizes itself when the process ends. A job that
// breaks a rule fails synth with its one-line message, not a stack trace around it.
try {
  createApp();
} catch (error) {
  if (!(error instanceof ValidationError)) {
    throw error;
  }
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
