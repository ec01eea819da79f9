/** Facts about the machine the runner is on: architecture name, byte order, executable lookup. */
import { accessSync, constants as fsConstants, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { archPackageForNode } from '@syscage/arch-tables';

/** The host's architecture table name (`x86_64`, `aarch64`, …), or `undefined` when unsupported. */
export function hostArchName(): string | undefined {
  // The registry records each ABI's `process.arch`.
  return archPackageForNode(process.arch)?.name;
}

/** The host's byte order. */
export function hostByteOrder(): 'little' | 'big' {
  return endianness() === 'LE' ? 'little' : 'big';
}

/**
 * Finds the executable a command names, like `execvp`: a name with a slash is taken relative
 * to `cwd`, a bare name is searched in `PATH`. Returns the absolute path, or the errno name.
 */
export function findExecutable(command: string, cwd: string, path: string | undefined): { path: string } | { errno: string } {
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : (path ?? '/usr/local/bin:/usr/bin:/bin')
        .split(delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => resolve(cwd, join(dir, command)));
  let errno = 'ENOENT';
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) {
        errno = 'EACCES';
        continue;
      }
      accessSync(candidate, fsConstants.X_OK);
      return { path: candidate };
    } catch (error) {
      const code = error instanceof Error && 'code' in error ? String(error.code) : 'ENOENT';
      if (code !== 'ENOENT') errno = code;
    }
  }
  return { errno };
}

/** How to start the launcher script: the built `launcher.js`, or from source through tsx. */
export interface LauncherCommand {
  readonly execArgv: readonly string[];
  readonly script: string;
}

/**
 * Locates the launcher: `SYSCAGE_LAUNCHER` when set (a built `launcher.js`; the test suite
 * uses it), else `launcher.js` next to this module (the published package), else the
 * TypeScript source run through tsx (a source checkout).
 */
export function launcherCommand(): LauncherCommand {
  const override = process.env.SYSCAGE_LAUNCHER;
  if (override !== undefined && override !== '') return { execArgv: [], script: override };
  const built = fileURLToPath(new URL('./launcher.js', import.meta.url));
  if (existsSync(built)) return { execArgv: [], script: built };
  const source = fileURLToPath(new URL('./launcher.ts', import.meta.url));
  const tsx = createRequire(import.meta.url).resolve('tsx');
  return { execArgv: ['--import', pathToFileURL(tsx).href], script: source };
}
