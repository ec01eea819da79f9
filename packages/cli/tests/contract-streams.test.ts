// Colours and standard streams through the built binary: NO_COLOR and pipes give plain text,
// FORCE_COLOR and a terminal give colour; a reader that stops early is not an error; a standard
// output that cannot be written is an I/O error (exit 3), never a stack trace.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shouldColor } from '../src/context.js';
import { type Scratch, makeScratch, spawnCliAsync, stackFrame, syntaxErrorAt } from './contract-support.js';
import { binPath } from './helpers.js';

// eslint-disable-next-line no-control-regex -- ANSI escape sequences are what is tested
const ansi = /\u001b\[[0-9;]*m/;

let scratch: Scratch = { dir: '', cleanup: () => undefined };

beforeAll(async () => {
  scratch = await makeScratch();
});

afterAll(() => {
  scratch.cleanup();
});

describe('shouldColor', () => {
  it.each<[string, NodeJS.ProcessEnv, boolean, boolean]>([
    ['a terminal', {}, true, true],
    ['a pipe', {}, false, false],
    ['NO_COLOR on a terminal', { NO_COLOR: '1' }, true, false],
    ['an empty NO_COLOR (unset, by the convention)', { NO_COLOR: '' }, true, true],
    ['FORCE_COLOR on a pipe', { FORCE_COLOR: '1' }, false, true],
    ['FORCE_COLOR=0 on a terminal', { FORCE_COLOR: '0' }, true, false],
    ['NO_COLOR beats FORCE_COLOR', { NO_COLOR: '1', FORCE_COLOR: '1' }, false, false],
    ['TERM=dumb', { TERM: 'dumb' }, true, false],
  ])('%s', (_name, env, stderrIsTTY, expected) => {
    expect(shouldColor(env, stderrIsTTY)).toBe(expected);
  });
});

// A policy error: its code frame on stderr is what gets coloured.
const failingCheck = ['check', 'x86_64/syntax.policy'];

describe('colour (spawned)', { timeout: 60_000 }, () => {
  it.concurrent.each<[string, NodeJS.ProcessEnv, boolean]>([
    ['piped, no colour variables: plain', { NO_COLOR: undefined, FORCE_COLOR: undefined }, false],
    ['piped with FORCE_COLOR=1: coloured', { NO_COLOR: undefined, FORCE_COLOR: '1' }, true],
    ['NO_COLOR=1 wins over FORCE_COLOR=1: plain', { NO_COLOR: '1', FORCE_COLOR: '1' }, false],
  ])('%s', async (_name, env, coloured) => {
    const result = await spawnCliAsync(failingCheck, { cwd: scratch.dir, env });
    expect(result.code).toBe(1);
    expect(result.stderr.replace(new RegExp(ansi.source, 'g'), '')).toMatch(syntaxErrorAt);
    expect(ansi.test(result.stderr)).toBe(coloured);
    expect(ansi.test(result.stdout)).toBe(false);
  });

  // script(1) from util-linux gives the command a terminal, as a user's shell would.
  const script = ['/usr/bin/script', '/bin/script'].find((path) => existsSync(path));
  it.runIf(script !== undefined).each<[string, NodeJS.ProcessEnv, boolean]>([
    ['a terminal: coloured', { NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm' }, true],
    ['a terminal with NO_COLOR=1: plain', { NO_COLOR: '1', FORCE_COLOR: undefined, TERM: 'xterm' }, false],
  ])('%s', (_name, env, coloured) => {
    const command = [process.execPath, binPath, ...failingCheck].map((word) => `'${word}'`).join(' ');
    const result = spawnSync(script ?? 'script', ['-qec', command, '/dev/null'], {
      cwd: scratch.dir,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stdout).toMatch(/syntax\.policy/);
    expect(ansi.test(result.stdout)).toBe(coloured);
  });
});

describe('standard streams (spawned)', { timeout: 60_000 }, () => {
  it('a reader that stops early (| head) ends the output quietly with the exit code of the command', () => {
    // One architecture's table is far larger than a pipe's buffer, so writes hit a closed pipe.
    const command = `{ '${process.execPath}' '${binPath}' arch --format json x86_64 2>err.txt; echo $? >status.txt; } | head -c 1`;
    const result = spawnSync('/bin/sh', ['-c', command], { cwd: scratch.dir, encoding: 'utf8', timeout: 60_000 });
    expect(result.stdout).toBe('{');
    expect(readFileSync(join(scratch.dir, 'err.txt'), 'utf8')).toBe('');
    expect(readFileSync(join(scratch.dir, 'status.txt'), 'utf8')).toBe('0\n');
  });

  it.runIf(existsSync('/dev/full'))('a standard output that cannot be written is an I/O error (exit 3)', () => {
    const command = `'${process.execPath}' '${binPath}' arch --format json x86_64 >/dev/full`;
    const result = spawnSync('/bin/sh', ['-c', command], { cwd: scratch.dir, encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(3);
    expect(result.stderr).toBe('syscage: cannot write standard output: ENOSPC\n');
    expect(result.stderr).not.toMatch(stackFrame);
  });
});
