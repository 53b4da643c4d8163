import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type AppProps, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';

const outdirs: string[] = [];

/** A fresh output folder under the system temp dir, removed by `removeOutdirs`. */
export function tempOutdir(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'cronledger-cdk-'));
  outdirs.push(outdir);
  return outdir;
}

/**
 * App props for a unit test: a temp outdir and no esbuild run for any stack. CDK's template
 * validation costs about 100 ms a synth; the example app's test keeps it.
 */
export function testAppProps(): AppProps {
  return {
    outdir: tempOutdir(),
    context: { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  };
}

/** A stack in a fresh test app. */
export function testStack(id = 'Stack'): Stack {
  return new Stack(new App(testAppProps()), id);
}

export function removeOutdirs(): void {
  for (const outdir of outdirs.splice(0)) rmSync(outdir, { recursive: true, force: true });
}

/** The one resource of `type` whose logical id starts with `prefix`. */
export function resourceNamed(template: Template, type: string, prefix: string) {
  const matches = Object.entries(template.findResources(type)).filter(([id]) =>
    id.startsWith(prefix),
  );
  if (matches.length !== 1) {
    throw new Error(`expected one ${type} named ${prefix}*, found ${matches.length}`);
  }
  const [logicalId, resource] = matches[0] as [string, { Properties: Record<string, unknown> }];
  return { logicalId, properties: resource.Properties };
}

/** The statements of every IAM policy attached to the role with `roleLogicalId`. */
export function statementsOfRole(template: Template, roleLogicalId: string): unknown[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy'));
  return policies
    .filter((policy) =>
      (policy.Properties.Roles as unknown[]).some(
        (role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId }),
      ),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as unknown[]);
}

/**
 * A CloudFormation string value with every `Fn::Join` flattened and every other intrinsic
 * written as `${Ref}` or `${Logical.Attr}`, so JSON built with tokens can be parsed.
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const intrinsic = value as Record<string, unknown>;
  if ('Fn::Join' in intrinsic) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  if ('Ref' in intrinsic) return `\${${intrinsic.Ref}}`;
  if ('Fn::GetAtt' in intrinsic) return `\${${(intrinsic['Fn::GetAtt'] as string[]).join('.')}}`;
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}
