// Conflicting flags are a usage error on every command, not last-one-wins (issue 20 item 13):
// a flag that holds one value given twice, and --json with a --format other than json.
import { describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';
import { echoPolicy } from './contract-support.js';

describe('conflicting flags', () => {
  it.each<[string, string[], RegExp]>([
    ['two --formats (stats)', ['stats', '--arch', 'x86_64', '--format', 'json', '--format', 'text', echoPolicy], /^syscage: stats: --format given twice \(json, then text\); give it once\n/],
    ['two --formats (check)', ['check', '--format', 'sarif', '--format', 'json', echoPolicy], /check: --format given twice \(sarif, then json\)/],
    ['two --formats (parse)', ['parse', '--format', 'json', '--format', 'json', echoPolicy], /parse: --format given twice \(json, then json\)/],
    ['two --formats (compile)', ['compile', '--format', 'bpf', '--format', 'json', '-o', 'never.bpf', echoPolicy], /compile: --format given twice/],
    ['two --archs (disasm)', ['disasm', '--arch', 'x86_64', '--arch', 'aarch64', echoPolicy], /disasm: --arch given twice \(x86_64, then aarch64\)/],
    ['-o twice (compile)', ['compile', '-o', 'a.bpf', '--output', 'b.bpf', echoPolicy], /compile: -o\/--output given twice \(a\.bpf, then b\.bpf\)/],
    ['--json with --format text (stats)', ['stats', '--arch', 'x86_64', '--json', '--format', 'text', echoPolicy], /^syscage: stats: --json and --format text ask for different outputs; give one\n/],
    ['--format text before --json (stats)', ['stats', '--arch', 'x86_64', '--format', 'text', '--json', echoPolicy], /stats: --json and --format text ask for different outputs/],
    ['--json with --format minijail-json (arch)', ['arch', 'x86_64', '--json', '--format', 'minijail-json'], /arch: --json and --format minijail-json ask for different outputs/],
  ])('%s is a usage error', async (_name, argv, message) => {
    const result = await runInProcess(argv);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
  });

  it.each<[string, string[]]>([
    ['--json with --format json', ['stats', '--arch', 'x86_64', '--json', '--format', 'json', echoPolicy]],
    ['a repeatable flag given twice', ['check', '--arch', 'x86_64', '--include-map', '/a=.', '--include-map', '/b=.', echoPolicy]],
  ])('%s is fine', async (_name, argv) => {
    const result = await runInProcess(argv);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
