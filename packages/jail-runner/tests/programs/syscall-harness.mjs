// Issues raw system calls with chosen arguments and prints what each returned.
// Input: a JSON file of [nr, [six u64 args as decimal strings]] cases.
// Output: one JSON array of [return value, errno] (errno 0 when the call succeeded).
// Plain JavaScript, run by `node` itself: a loader such as tsx would start helper processes
// (esbuild) under the filter being judged.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import koffi from 'koffi';

const cases = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8'));
const syscall = koffi.load('libc.so.6').func('long syscall(long, ...)');
const results = [];
for (const [nr, args] of cases) {
  const typed = args.flatMap((value) => ['uint64_t', BigInt(value)]);
  koffi.errno(0);
  const value = Number(syscall(nr, ...typed));
  results.push([value, value < 0 ? koffi.errno() : 0]);
}
process.stdout.write(`${JSON.stringify(results)}\n`);
