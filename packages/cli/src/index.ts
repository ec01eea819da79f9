// Public API of @syscage/cli: run the command in-process (used by tests and embedders).
export { runCli, version } from './program.js';
export type { RegisterCommand } from './program.js';
export { CliError, processContext } from './context.js';
export type { CliContext } from './context.js';
export { ExitCode } from './exit-codes.js';
export type { ExitCodeValue } from './exit-codes.js';
