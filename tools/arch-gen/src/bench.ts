// `pnpm bench` of an `@syscage/arch-<name>` package: what it adds to a consumer's install
// (npm pack sizes) and what importing it costs. Run from the package folder after `pnpm build`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface PackResult {
  readonly name: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly { readonly path: string; readonly size: number }[];
}

const packageDir = process.cwd();
const [pack] = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
) as PackResult[];
if (pack === undefined) throw new Error('npm pack printed nothing');

const entry = path.join(packageDir, 'dist/index.js');
const code = readFileSync(entry, 'utf8');
// The table must stand alone: no import or require of anything (the ArchTable import is type-only).
const runtimeImports = [...code.matchAll(/^\s*import\b[^;]*from\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/gm)].map(
  (match) => match[1] ?? match[2] ?? match[3],
);

// Import cost in a fresh process: the time to load and evaluate the table, median of 5 runs,
// next to the cost of importing an empty module (the loader's own overhead on this machine).
// CPU time (user + system) is reported next to wall time because it is far less disturbed by
// other work on a busy machine.
const baselineScript =
  'const c=process.cpuUsage(); const t=performance.now(); await import("data:text/javascript,export const a=1"); const d=process.cpuUsage(c); console.log(JSON.stringify({ms:performance.now()-t, cpuMs:(d.user+d.system)/1000}));';
const baselines: number[] = [];
const baselineCpu: number[] = [];
for (let run = 0; run < 5; run++) {
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', baselineScript], { encoding: 'utf8' })) as {
    ms: number;
    cpuMs: number;
  };
  baselines.push(out.ms);
  baselineCpu.push(out.cpuMs);
}
baselines.sort((a, b) => a - b);
baselineCpu.sort((a, b) => a - b);
const cpuTimings: number[] = [];
const timings: number[] = [];
for (let run = 0; run < 5; run++) {
  const script = `const c=process.cpuUsage(); const t=performance.now(); const m=await import(${JSON.stringify(entry)}); const t2=performance.now(); const d=process.cpuUsage(c); const table=Object.values(m)[0]; console.log(JSON.stringify({ms:t2-t, cpuMs:(d.user+d.system)/1000, syscalls:Object.keys(table.syscalls).length, constants:Object.keys(table.constants).length}));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as {
    ms: number;
    cpuMs: number;
    syscalls: number;
    constants: number;
  };
  timings.push(out.ms);
  cpuTimings.push(out.cpuMs);
  if (run === 4) {
    timings.sort((a, b) => a - b);
    cpuTimings.sort((a, b) => a - b);
    const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
    const limit = 1024 * 1024;
    process.stdout.write(
      [
        `${pack.name}: ${String(out.syscalls)} syscalls, ${String(out.constants)} constants`,
        `  npm pack: ${kib(pack.size)} packed, ${kib(pack.unpackedSize)} unpacked (${String(pack.files.length)} files: ${pack.files.map((file) => `${file.path} ${kib(file.size)}`).join(', ')})`,
        `  install budget: ${((100 * pack.unpackedSize) / limit).toFixed(1)}% of 1 MiB`,
        `  import (median of 5 fresh processes): ${(timings[2] ?? 0).toFixed(1)} ms wall, ${(cpuTimings[2] ?? 0).toFixed(1)} ms CPU; ` +
          `empty module: ${(baselines[2] ?? 0).toFixed(1)} ms wall, ${(baselineCpu[2] ?? 0).toFixed(1)} ms CPU`,
        `  run-time imports in dist/index.js: ${runtimeImports.length === 0 ? 'none' : runtimeImports.join(', ')}`,
        '',
      ].join('\n'),
    );
  }
}
if (pack.unpackedSize >= 1024 * 1024 || runtimeImports.length > 0) process.exitCode = 1;
