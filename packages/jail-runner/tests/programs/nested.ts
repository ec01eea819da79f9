// Runs runJailed inside a process that is itself under a filter (the nested-sandbox case) and
// prints how the launch ended as one JSON line: { step, errno } or { status }.
import { JailError, learnPolicy, runJailed } from '../../src/index.js';
import { RET, TRUE_SYSCALLS, allowList } from '../asm.js';
import { table } from '../table.js';

const mode = process.argv[2] === 'log' ? 'log' : 'enforce';
try {
  if (process.argv[2] === 'learn') {
    const learned = await learnPolicy({ command: '/bin/true', stdio: 'ignore' });
    console.log(JSON.stringify({ monitor: learned.monitor, rules: learned.proposal.rules.map((rule) => rule.syscall) }));
    process.exit(0);
  }
  const result = await runJailed({ command: '/bin/true', filter: allowList(table, TRUE_SYSCALLS, RET.killProcess), mode, stdio: 'ignore' });
  console.log(JSON.stringify({ status: result.status }));
} catch (error) {
  if (!(error instanceof JailError)) throw error;
  console.log(JSON.stringify({ step: error.step, errno: error.errno, code: error.code }));
}
