import { describe, expect, it } from 'vitest';
import { RET, assemble } from './asm.js';
import { runCollect } from './collect.js';
import { table } from './table.js';

// Starts two worker threads, then prints each task's seccomp state as "tid mode filters".
const threadsProgram = String.raw`
import { readFileSync, readdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
const workers = [0, 1].map(() => new Worker('setInterval(() => {}, 1000)', { eval: true }));
await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('online', resolve))));
for (const tid of readdirSync('/proc/self/task')) {
  const status = readFileSync('/proc/self/task/' + tid + '/status', 'utf8');
  const field = (name) => new RegExp('^' + name + ':\\s*(\\S+)', 'm').exec(status)?.[1];
  console.log(tid + ' ' + field('Seccomp') + ' ' + field('Seccomp_filters'));
}
await Promise.all(workers.map((worker) => worker.terminate()));
`;

// Allow everything except getppid (errno), so the filter is present but harmless.
const filter = assemble(table, new Map([['getppid', RET.errno(1)]]), RET.allow);

describe('every thread and process is covered', () => {
  it('covers every thread of a Node program with workers', async () => {
    const { result, stdout } = await runCollect({
      command: process.execPath,
      args: ['--input-type=module', '-e', threadsProgram],
      filter,
    });
    expect(result.exitCode).toBe(0);
    const tasks = stdout.trim().split('\n').map((line) => line.split(' '));
    // Main thread, two workers, and Node's own helper threads.
    expect(tasks.length).toBeGreaterThanOrEqual(3);
    for (const [tid, mode, filters] of tasks) {
      expect({ tid, mode, filters }).toEqual({ tid, mode: '2', filters: '1' });
    }
  });

  it('covers every process of a shell pipeline', async () => {
    const { result, stdout } = await runCollect({
      command: '/bin/sh',
      args: ['-c', 'grep Seccomp_filters /proc/self/status | cat - /proc/self/status | grep -c "Seccomp_filters:.1$"'],
      filter,
    });
    expect(result.exitCode).toBe(0);
    // grep's own status (piped through) and cat's.
    expect(stdout.trim()).toBe('2');
  });
});
