import { App, type AppProps } from 'aws-cdk-lib';
import { ExampleStack } from './example-stack.ts';

/** The example app with its one stack, `CronledgerExample`. */
export function createApp(props?: AppProps): App {
  const app = new App(props);
  new ExampleStack(app, 'CronledgerExample', {
    description: 'cronledger example: a ledger and three scheduled jobs',
  });
  return app;
}
