#!/usr/bin/env node
// Entry point of the `compile_seccomp_policy` executable (Minijail's compiler's command line).
import { setFlagsFromString } from 'node:v8';
import { processContext } from './context.js';
import { runCompileSeccompPolicy } from './minijail/compile-seccomp-policy.js';

// A VMM build runs this once per policy, and one policy compiles in tens of milliseconds: V8's
// optimising compiler would start on the planner's loops and be thrown away with the process, on
// threads that compete with the build's other compilers. Twenty times the default budget (67,584) before a function is
// optimised keeps that work out of a normal run, while a huge policy still gets optimised code.
setFlagsFromString('--interrupt-budget=1351680');

process.exitCode = runCompileSeccompPolicy(process.argv.slice(2), processContext(false), process.env);
