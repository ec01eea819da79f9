/**
 * Examples shown at the end of `syscage <command> --help`. They are run from the repository root
 * (the paths name its `examples/` and `policies/` folders) and run in that order by
 * tests/contract-help.test.ts, so a later example may use a file an earlier one wrote.
 */
import type { Command } from 'commander';

/** One example: the command line as typed in a shell, and what it does. */
export interface HelpExample {
  readonly command: string;
  readonly says: string;
  /** The exit status the example ends with when it works (`diff` exits 1 when the filters differ). @defaultValue 0 */
  readonly exitCode?: number;
}

/** Examples per command name, in the order they are shown (and run by the tests). */
export const helpExamples: Readonly<Record<string, readonly HelpExample[]>> = {
  parse: [
    { command: 'syscage parse examples/echo_server.policy', says: 'report syntax errors with file:line:column' },
    { command: 'syscage parse --format json examples/echo_server.frequency', says: 'print the syntax tree as JSON' },
  ],
  check: [
    { command: 'syscage check --arch x86_64 examples/echo_server.policy', says: 'resolve includes and check one loaded policy' },
    { command: 'syscage check --arch x86_64 policies', says: "check a policy tree's x86_64 folder" },
    { command: 'syscage check --format sarif --arch aarch64 policies > syscage.sarif', says: 'SARIF 2.1.0 for code-scanning tools' },
  ],
  compile: [
    { command: 'syscage compile --arch x86_64 -o echo_server.bpf examples/echo_server.policy', says: 'a raw BPF program, as Minijail loads it' },
    { command: 'syscage compile --arch aarch64 --format c-header -o echo_server.h examples/echo_server.policy', says: 'a C header with a sock_filter array' },
    { command: 'syscage compile --default-action trap -o out policies/x86_64/block_device.policy policies/x86_64/net_device.policy', says: 'several policies into out/<arch>/<name>.bpf, as crosvm builds them' },
    { command: 'syscage arch x86_64 --format minijail-json -o constants.json && syscage compile --arch-json constants.json -o echo_server.bpf examples/echo_server.policy', says: "compile against Minijail's constants.json, as a VMM build does" },
  ],
  flatten: [
    { command: 'syscage flatten --arch x86_64 --default-action trap examples/echo_server.policy', says: 'one line per syscall, includes merged, for libminijail\'s run-time parser' },
    { command: 'syscage flatten --arch x86_64 -o echo_server.flat.policy examples/echo_server.policy && syscage check --dialect minijail-c --arch x86_64 echo_server.flat.policy', says: 'write it and check it in the C dialect' },
  ],
  export: [
    { command: 'syscage export --format oci --arch x86_64 examples/echo_server.policy > echo_server.json', says: 'an OCI seccomp profile for docker run --security-opt seccomp=echo_server.json' },
    { command: 'syscage export --format oci -o net_device.json policies/x86_64/net_device.policy policies/aarch64/net_device.policy', says: 'one profile for both architectures of a policy' },
  ],
  import: [
    { command: 'syscage import --arch aarch64 -o net_device.policy net_device.json', says: 'the policy a container profile means on aarch64, each rule commented with its entry' },
    { command: 'syscage import --arch x86_64 --caps CAP_SYS_ADMIN --kernel 6.8 examples/container.json', says: "evaluate Moby's includes/excludes for a container's capabilities and kernel" },
  ],
  build: [
    { command: 'syscage build --arch x86_64 --out build/policies policies', says: 'check a tree and compile every loaded policy, with a manifest' },
    { command: 'syscage build --arch riscv64 --summary json --out build/json policies', says: 'the same summary as JSON on stdout' },
    { command: 'syscage build --arch aarch64 --flatten --out build/flat policies', says: "each .bpf with its flattened .policy for libminijail's run-time parser (crosvm --seccomp-log-failures)" },
    { command: 'syscage build --arch aarch64 --audit medium --out build/reviewed policies', says: 'also fail on medium audit findings that no `# audit-ack` comment explains' },
    { command: 'syscage build --arch arm --no-audit --no-review-lint --out build/quick policies', says: 'skip the audit and the reviewer\'s lint (SC2050, SC2051)' },
  ],
  disasm: [
    { command: 'syscage disasm --arch x86_64 echo_server.bpf', says: 'disassemble a compiled program, naming syscalls' },
    { command: 'syscage disasm --arch x86_64 --format json examples/echo_server.policy', says: 'compile a policy and print its instructions as JSON' },
  ],
  simulate: [
    { command: "syscage simulate --arch x86_64 --syscall mmap --args '0,4096,PROT_READ|PROT_WRITE' examples/echo_server.policy", says: 'what the filter returns for one call, and the path it took' },
    { command: 'syscage simulate --arch x86_64 --syscall openat --format json echo_server.bpf', says: 'the same for a raw .bpf, as JSON' },
  ],
  explain: [
    { command: 'syscage explain --arch x86_64 --syscall openat examples/echo_server.policy', says: 'which rule (through which include) decides openat' },
    { command: "syscage explain --arch x86_64 --syscall mprotect --args '0,0,PROT_EXEC' --format json examples/echo_server.policy", says: 'a denied call, as JSON' },
  ],
  stats: [
    { command: 'syscage stats --arch x86_64 examples/echo_server.policy', says: 'size, verdicts, cache coverage and cost per syscall' },
    { command: 'syscage stats --arch x86_64 --format json echo_server.bpf', says: 'the same for a raw .bpf, as JSON (--json works too)' },
  ],
  diff: [
    { command: 'syscage diff --arch x86_64 echo_server.bpf examples/echo_server.policy', says: 'what changed between a compiled filter and the policy' },
    { command: 'syscage diff --format json policies/x86_64/block_device.policy policies/x86_64/net_device.policy', says: 'per-syscall differences of two policies, as JSON (exit 1: they differ)', exitCode: 1 },
  ],
  verify: [
    { command: 'syscage verify --arch x86_64 examples/echo_server.policy echo_server.bpf', says: 'prove the filter does what the policy says, or print a counterexample' },
    { command: 'syscage verify --arch x86_64 --format json examples/echo_server.policy echo_server.bpf', says: 'the same as JSON' },
    { command: 'syscage verify --within --arch x86_64 examples/echo_server.policy echo_server.bpf', says: 'prove the filter lets run nothing the policy denies' },
  ],
  audit: [
    { command: 'syscage audit policies/x86_64/net_device.policy', says: 'security review of the filter a policy compiles to; exit 1 on a high finding' },
    { command: 'syscage audit --arch x86_64 --format sarif --fail-on none echo_server.bpf', says: 'the same for any compiled .bpf, as SARIF for code scanning' },
  ],
  arch: [
    { command: 'syscage arch', says: 'list the architectures and their aliases' },
    { command: 'syscage arch arm64 --syscall openat --constant O_CLOEXEC', says: 'resolve a syscall number and a constant' },
    { command: 'syscage arch --format json x86_64 > x86_64.json', says: "one architecture's whole table as JSON" },
  ],
  run: [
    { command: 'syscage run --mode learn -- /bin/true', says: 'run with no policy and print the rules the command needs' },
    { command: 'syscage run --mode log --policy examples/echo_server.policy -- /bin/true', says: 'run to the end and list what the policy would deny' },
  ],
  learn: [
    { command: 'syscage learn -o true.policy -- /bin/true', says: 'write the rules a command needs to a policy file' },
    { command: 'syscage run --policy true.policy -- /bin/true', says: 'then run it under that policy (exits with its status)' },
    { command: 'syscage learn --policy true.policy -o sh.policy -- /bin/sh -c true', says: 'add what another command needs: its rules widened in place, the missing ones added' },
  ],
};

/** Appends an `Examples:` section to the help of every subcommand that has examples. */
export function addHelpExamples(program: Command): void {
  for (const command of program.commands) {
    const examples = helpExamples[command.name()];
    if (examples === undefined || examples.length === 0) continue;
    const lines = examples.flatMap((example) => [`  # ${example.says}`, `  $ ${example.command}`]);
    command.addHelpText('after', `\nExamples:\n${lines.join('\n')}\n`);
  }
}
