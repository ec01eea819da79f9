// The program of the `compile_seccomp_policy` executable, bundled into one CommonJS file that
// compile-seccomp-policy-bin.ts runs with its code cache.
import { processContext } from './context.js';
import { runCompileSeccompPolicy } from './minijail/compile-seccomp-policy.js';

process.exitCode = runCompileSeccompPolicy(process.argv.slice(2), processContext(false), process.env);
