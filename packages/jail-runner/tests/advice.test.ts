import { archX86_64 } from '@syscage/arch-x86-64';
import { compilePolicy } from '@syscage/bpf-codegen';
import { createMemoryHost, resolvePolicy } from '@syscage/include-resolver';
import { describe, expect, it } from 'vitest';
import { type JailPolicy, type Violation, formatViolation, widenRule } from '../src/index.js';

/** Resolves and compiles an in-memory policy for x86_64, as `run --policy` does. */
function policyOf(files: Record<string, string>): JailPolicy {
  const resolved = resolvePolicy('/p/main.policy', { host: createMemoryHost(files), arch: 'x86_64' });
  const compiled = compilePolicy(resolved, archX86_64, {});
  if (compiled.lowered === undefined) throw new Error(JSON.stringify(compiled.diagnostics));
  return { resolved, lowered: compiled.lowered };
}

const constant = (name: string): bigint => archX86_64.constants[name] ?? -1n;

function violation(name: string, args: readonly bigint[] | undefined): Violation {
  return {
    pid: 9,
    syscall: { nr: archX86_64.syscalls[name] ?? -1, name },
    arch: archX86_64.auditArch,
    instructionPointer: undefined,
    returnValue: 0x80000000,
    comm: undefined,
    exe: undefined,
    beforeExec: false,
    args,
    source: args === undefined ? 'kernel-log' : 'tracer',
  };
}

const netPolicy = {
  '/p/main.policy': 'read: 1\n@include ./net.policy\n',
  '/p/net.policy': '# sockets\nsocket: arg0 == AF_UNIX || arg0 == AF_INET\nmmap: arg2 in PROT_READ|PROT_WRITE && arg3 == MAP_PRIVATE|MAP_ANONYMOUS\nioctl: arg1 == TCGETS; return ENOTTY\n',
};

describe('advice after a violation of a syscall with conditional rules', () => {
  it.each<[string, Violation, Record<string, string>, string[]]>([
    [
      'a socket family the rule does not list: the rule, the failed value, the rule widened by it',
      violation('socket', [constant('AF_INET6'), constant('SOCK_STREAM') | constant('SOCK_CLOEXEC'), 0n, 0n, 0n, 0n]),
      netPolicy,
      [
        '  the call: socket(0xa=AF_INET6, 0x80001=SOCK_STREAM|SOCK_CLOEXEC, 0x0, 0x0, 0x0, 0x0)',
        '  no rule for socket matched this call:',
        '    /p/net.policy:2: socket: arg0 == AF_UNIX || arg0 == AF_INET',
        '      failed: arg0 == AF_UNIX (arg0 is 0xa=AF_INET6)',
        '  to allow this call, add `arg0 == AF_INET6` to the rule at /p/net.policy:2:',
        '    socket: arg0 == AF_UNIX || arg0 == AF_INET || arg0 == AF_INET6',
      ],
    ],
    [
      'a clause with a passing comparison keeps it and replaces only the failing one',
      violation('mmap', [0n, 0x1000n, constant('PROT_READ') | constant('PROT_EXEC'), 0x22n, 0xffffffffn, 0n]),
      netPolicy,
      [
        '  mmap is a call the dynamic loader makes: the program may have died before its main',
        '  the call: mmap(0x0, 0x1000, 0x5=PROT_READ|PROT_EXEC, 0x22=MAP_PRIVATE|MAP_ANONYMOUS, 0xffffffff, 0x0)',
        '  no rule for mmap matched this call:',
        '    /p/net.policy:3: mmap: arg2 in PROT_READ|PROT_WRITE && arg3 == MAP_PRIVATE|MAP_ANONYMOUS',
        '      failed: arg2 in PROT_READ|PROT_WRITE (arg2 is 0x5=PROT_READ|PROT_EXEC)',
        '  to allow this call, add `arg2 == PROT_READ|PROT_EXEC && arg3 == MAP_PRIVATE|MAP_ANONYMOUS` to the rule at /p/net.policy:3:',
        '    mmap: arg2 in PROT_READ|PROT_WRITE && arg3 == MAP_PRIVATE|MAP_ANONYMOUS || arg2 == PROT_READ|PROT_EXEC && arg3 == MAP_PRIVATE|MAP_ANONYMOUS',
      ],
    ],
    [
      'a rule whose action is not allow is shown but not widened',
      violation('ioctl', [1n, constant('TIOCGWINSZ'), 0n, 0n, 0n, 0n]),
      netPolicy,
      [
        '  the call: ioctl(0x1, 0x5413=TIOCGWINSZ, 0x0, 0x0, 0x0, 0x0)',
        '  no rule for ioctl matched this call:',
        '    /p/net.policy:4: ioctl: arg1 == TCGETS; return ENOTTY',
        '      failed: arg1 == TCGETS (arg1 is 0x5413=TIOCGWINSZ)',
        '  to allow this call, add a condition for it, e.g.:  ioctl: arg1 == TIOCGWINSZ',
      ],
    ],
    [
      'a syscall the policy does not list gets a rule on its selector argument',
      violation('socket', [constant('AF_NETLINK'), 3n, 0n, 0n, 0n, 0n]),
      { '/p/main.policy': 'read: 1\n' },
      ['  the call: socket(0x10=AF_NETLINK, 0x3=SOCK_RAW, 0x0, 0x0, 0x0, 0x0)', '  to allow it, add:  socket: arg0 == AF_NETLINK'],
    ],
    [
      'without arguments the conditional rules are listed',
      violation('socket', undefined),
      netPolicy,
      [
        '  socket is allowed only with conditions; the report has no arguments to tell which failed (`--mode log` shows them):',
        '    /p/net.policy:2: socket: arg0 == AF_UNIX || arg0 == AF_INET',
        '  (the kernel log has no arguments; `--mode log` runs to the end and shows them)',
      ],
    ],
  ])('%s', (_name, killed, files, expected) => {
    const report = formatViolation(killed, 'prog', { policy: policyOf(files) });
    expect(report.split('\n').slice(1, -1)).toEqual(expected);
    expect(report).not.toMatch(/add:\s+socket: 1/);
  });

  it('the widened rule compiles and allows the call, and only the calls it allowed plus that one', () => {
    const policy = policyOf(netPolicy);
    const rule = policy.resolved.syscalls.find((syscall) => syscall.name === 'socket')?.rules[0];
    const text = policy.resolved.files.find((file) => file.path === '/p/net.policy')?.text ?? '';
    if (rule === undefined) throw new Error('no socket rule');
    const widened = widenRule({ rule, text, syscall: 'socket', table: archX86_64, values: [{ arg: 0, value: constant('AF_INET6') }] });
    expect(widened).toEqual({ clause: 'arg0 == AF_INET6', statement: 'socket: arg0 == AF_UNIX || arg0 == AF_INET || arg0 == AF_INET6' });
    const after = policyOf({ '/p/main.policy': `${widened?.statement ?? ''}\n` });
    const allowed = (family: bigint): boolean => {
      const lowered = after.lowered.syscalls.find((syscall) => syscall.name === 'socket');
      return lowered?.filters.some((filter) => filter.clauses.some((clause) => clause.every((c) => c.value === family))) === true;
    };
    expect(['AF_UNIX', 'AF_INET', 'AF_INET6', 'AF_NETLINK'].map((name) => allowed(constant(name)))).toEqual([true, true, true, false]);
  });
});
