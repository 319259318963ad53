import { parseArgs } from 'node:util';
import { adapterCommand } from './cli/adapter';
import { benchCommand } from './cli/bench';
import { generateCommand } from './cli/generate';
import { type CommandSpec, UsageError } from './cli/command';
import { datasetCommand, edaCommand } from './cli/dataset';
import { demoCommand } from './cli/demo';
import { doctorCommand } from './cli/doctor';
import { evalCommand, scoreCommand } from './cli/eval';
import { exportJobCommand } from './cli/export-job';
import { modelCommand } from './cli/model';
import { importRunCommand, runsCommand } from './cli/runs';
import { serveCommand } from './cli/serve';
import { trainCommand } from './cli/train';
import { APP_VERSION } from './services/version';

/**
 * `sqlora`: the workbench without a window. Every command runs the same services
 * as the app (store, jobs, engine process).
 */
const commands: CommandSpec[] = [serveCommand, doctorCommand, datasetCommand, edaCommand, trainCommand, runsCommand, importRunCommand, exportJobCommand, adapterCommand, generateCommand, evalCommand, scoreCommand, modelCommand, demoCommand, benchCommand];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `sqlora ${APP_VERSION} - SQLoRA Workbench on the command line`,
    '',
    'Usage: sqlora <command> [options]   (sqlora <command> --help for its options)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    console.log(APP_VERSION);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`sqlora: unknown command "${name}".\n\n${help()}`);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { help: { type: 'boolean', short: 'h' }, ...(command.options ?? {}) },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      console.log(`${command.summary}\n\nUsage: ${command.usage}`);
      return 0;
    }
    return await command.run({ values, positionals });
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(`sqlora ${name}: ${(error as Error).message}${usage ? `\nUsage: ${command.usage}` : ''}`);
    return usage ? 2 : 1;
  }
}
