#!/usr/bin/env node
// Entry point of the `compile_seccomp_policy` executable (Minijail's compiler's command line).
import { processContext } from './context.js';
import { runCompileSeccompPolicy } from './minijail/compile-seccomp-policy.js';

process.exitCode = runCompileSeccompPolicy(process.argv.slice(2), processContext(false), process.env);
