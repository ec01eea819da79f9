#!/usr/bin/env node
// Entry point of the `compile_seccomp_policy` executable (Minijail's compiler's command line): a
// small loader that runs the bundled program with the V8 code cache the build wrote next to it.
import { setFlagsFromString } from 'node:v8';
import { runWithCodeCache } from './minijail/code-cache.js';

// A VMM build runs this once per policy, and one policy compiles in tens of milliseconds: V8's
// optimising compiler would start on the planner's loops and be thrown away with the process, on
// threads that compete with the build's other compilers. Twenty times the default budget (67,584)
// before a function is optimised keeps that work out of a normal run, while a huge policy still
// gets optimised code. Set before the program is compiled: V8 accepts a code cache only under the
// flags it was made with, and the build's training run goes through this file too.
setFlagsFromString('--interrupt-budget=1351680');

runWithCodeCache(`${__dirname}/compile-seccomp-policy.program.cjs`, `${__dirname}/compile-seccomp-policy.program.cache`, process.env);
