#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on the fly, so there is no build step to forget.
import { register } from 'tsx/esm/api';

// The AWS SDK warns that its 2027 releases need Node.js 22; the README's Limitations say so.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('../local/cli.ts');
process.exitCode = await main(process.argv.slice(2));
