import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppProps, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../cdk/app.ts';
import { removeOutdirs, tempOutdir, testAppProps } from './helpers.ts';

afterAll(removeOutdirs);

function exampleStack(props: AppProps = testAppProps()) {
  const app = createApp(props);
  const stack = app.node.findChild('CronledgerExample') as Stack;
  return { outdir: app.outdir, stack };
}

describe('example app', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-15T12:00:00Z'), toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('schedules the three jobs in the ledger group', () => {
    const { stack } = exampleStack();

    const template = Template.fromStack(stack);
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule'))
      .map((r) => r.Properties)
      .filter((p) => p.GroupName !== undefined)
      .map((p) => [p.Name, p.ScheduleExpression, p.ScheduleExpressionTimezone]);
    expect(schedules).toEqual([
      ['heartbeat', 'rate(5 minutes)', 'UTC'],
      ['nightly-report', 'cron(30 2 * * ? *)', 'America/New_York'],
      ['flaky-sync', 'cron(0 * * * ? *)', 'UTC'],
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 120,
      Description: Match.stringLikeRegexp('nightly report'),
    });
  });

  it('warns only that New York daylight saving time skips the 02:30 nightly report', () => {
    const { stack } = exampleStack();

    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue());
    expect(warnings.map((w) => w.id)).toEqual(['/CronledgerExample/nightly-report']);
    const [message] = warnings.map((w) => String(w.entry.data));
    expect(message).toContain('cron(30 2 * * ? *) in America/New_York');
    expect(message).toContain('no run at 2026-03-08T02:30');
    expect(message).not.toContain('occurs twice');
    expect(message).toContain('[ack: cronledger:dst]');
  });

  it('bundles the sweeper and every job with esbuild into valid templates', {
    timeout: 60_000,
  }, () => {
    // WHEN: bundling and CDK's template validation both run, as in `cdk synth`
    const { outdir, stack } = exampleStack({ outdir: tempOutdir() });
    Template.fromStack(stack);

    // THEN
    const bundles = readdirSync(outdir)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => join(outdir, name, 'index.mjs'))
      .filter((file) => existsSync(file));
    expect(bundles).toHaveLength(4);
    for (const bundle of bundles) {
      const code = readFileSync(bundle, 'utf8');
      expect(code).toContain('createRequire(import.meta.url)');
      expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
    }
  });
});
