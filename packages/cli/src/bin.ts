#!/usr/bin/env node
// Entry point of the `syscage` executable.
import { processContext } from './context.js';
import { runCli } from './program.js';

const argv = process.argv.slice(2);
const code = await runCli(argv, processContext(argv.includes('--debug')));
process.exitCode = code;
