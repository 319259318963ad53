#!/usr/bin/env node
// The `sqlora` command. Main-process code is TypeScript run through tsx, so the
// CLI needs no build step and runs the same modules the app and the tests do.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/cli.ts');
process.exitCode = await main(process.argv.slice(2));
