/**
 * `syscage arch [NAME] [--json] [--syscall NAME] [--constant NAME]`: the architecture tables.
 * `syscage arch NAME --format minijail-json [-o FILE]` writes the table as Minijail's
 * `constants.json`, the file a VMM build hands its compiler with `--arch-json`.
 * Without NAME, lists every architecture (audit arch, word size, counts, kernel version); with
 * NAME, prints that table (or, with --syscall/--constant, resolves one name on it). An unknown
 * architecture exits 2; an unknown syscall or constant exits 1 with a "did you mean" hint.
 */

import { resolve } from 'node:path';
import { type ArchTable, constantNamesWithValue, flagDecompositions, formatMinijailArchJson, knownArchNames, loadArchTable, lookupConstant, lookupSyscall, resolveArchName, suggestName } from '@syscage/arch-tables';
import { CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { printJson, showPath, writeOutputFile } from '../output.js';
import { formatOption } from '../options.js';
import type { RegisterCommand } from '../program.js';

interface ArchOptions {
  readonly json?: boolean;
  readonly format?: 'text' | 'json' | 'minijail-json';
  readonly output?: string;
  readonly syscall?: string;
  readonly constant?: string;
}

/** Loads one table through the registry; only that architecture's package is imported. */
async function loadTable(name: string): Promise<ArchTable> {
  const resolved = resolveArchName(name);
  if (!resolved.ok) throw new CliError(resolved.message, ExitCode.usage);
  const loaded = await loadArchTable(resolved.name, (specifier) => import(specifier));
  if (!loaded.ok) throw new CliError(loaded.message, ExitCode.internal);
  return loaded.table;
}

function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}

function summary(table: ArchTable): Record<string, unknown> {
  return {
    name: table.name,
    aliases: table.aliases,
    auditArch: table.auditArch,
    bits: table.bits,
    endianness: table.endianness,
    kernelVersion: table.kernelVersion,
    syscallCount: Object.keys(table.syscalls).length,
    constantCount: Object.keys(table.constants).length,
  };
}

/** Columns padded to their widest cell. */
function alignedTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n') + '\n';
}

function unknownName(kind: 'syscall' | 'constant', name: string, table: ArchTable, names: readonly string[]): string {
  const suggestion = suggestName(name, names);
  return `unknown ${kind} '${name}' on ${table.name}${suggestion === undefined ? '' : `; did you mean '${suggestion}'?`}`;
}

/** `--constant` given as a number (decimal, `0x…`, `0o…`, `0b…`), for a reverse lookup; else undefined. */
function numericValue(text: string): bigint | undefined {
  return /^(0x[0-9a-f]+|0o[0-7]+|0b[01]+|\d+)$/i.test(text) ? BigInt(text) : undefined;
}

/** Registers `syscage arch`. */
export const registerArch: RegisterCommand = (program, ctx, setExit) => {
  program
    .command('arch')
    .description('list the architectures, print one table, or resolve a syscall or constant name')
    .argument('[name]', 'architecture (canonical name or alias, e.g. x86_64, arm64, x86)')
    .option('--json', 'print JSON')
    .option('--syscall <name>', 'print the number of one syscall (needs an architecture)')
    .option('--constant <name|value>', 'print the value of one constant, or every constant name a number has (needs an architecture)')
    .addOption(formatOption(['text', 'json', 'minijail-json'], 'output format (minijail-json: Minijail\'s constants.json)'))
    .option('-o, --output <file>', 'write the minijail-json output to this file instead of stdout')
    .action(async (name: string | undefined, given: ArchOptions) => {
      const options: ArchOptions = given.format === 'json' ? { ...given, json: true } : given;
      if (options.format === 'minijail-json') {
        if (name === undefined || options.syscall !== undefined || options.constant !== undefined) {
          throw new CliError('--format minijail-json writes one whole table: name an architecture, e.g. `syscage arch aarch64 --format minijail-json -o constants.json`', ExitCode.usage);
        }
        const text = formatMinijailArchJson(await loadTable(name));
        if (options.output === undefined) {
          ctx.stdout(text);
          return;
        }
        writeOutputFile(resolve(ctx.cwd, options.output), text, (path) => showPath(ctx, path));
        return;
      }
      if (options.output !== undefined) throw new CliError('-o/--output is for --format minijail-json', ExitCode.usage);
      if (name === undefined) {
        if (options.syscall !== undefined || options.constant !== undefined) {
          throw new CliError('--syscall and --constant need an architecture, e.g. `syscage arch x86_64 --syscall openat`', ExitCode.usage);
        }
        const tables = await Promise.all(knownArchNames.map((arch) => loadTable(arch)));
        if (options.json === true) {
          printJson(ctx, tables.map((table) => summary(table)));
          return;
        }
        const rows = [['name', 'aliases', 'audit arch', 'bits', 'endian', 'syscalls', 'constants', 'kernel']];
        for (const table of tables) {
          rows.push([
            table.name,
            table.aliases.join(',') || '-',
            hex(table.auditArch),
            String(table.bits),
            table.endianness,
            String(Object.keys(table.syscalls).length),
            String(Object.keys(table.constants).length),
            table.kernelVersion,
          ]);
        }
        ctx.stdout(alignedTable(rows));
        return;
      }

      const table = await loadTable(name);
      if (options.syscall === undefined && options.constant === undefined) {
        if (options.json === true) {
          printJson(ctx, {
            name: table.name,
            auditArch: table.auditArch,
            bits: table.bits,
            kernelVersion: table.kernelVersion,
            syscalls: table.syscalls,
            constants: table.constants,
          });
        } else {
          const lines = Object.entries(summary(table)).map(([key, value]) =>
            `${key}: ${Array.isArray(value) ? value.join(', ') : key === 'auditArch' ? hex(Number(value)) : String(value)}`,
          );
          ctx.stdout(`${lines.join('\n')}\n`);
        }
        return;
      }

      const resolved: Record<string, unknown> = { arch: table.name };
      const errors: string[] = [];
      if (options.syscall !== undefined) {
        const number = lookupSyscall(table, options.syscall);
        if (number === undefined) errors.push(unknownName('syscall', options.syscall, table, Object.keys(table.syscalls)));
        else resolved.syscall = { name: options.syscall, number };
      }
      const number = options.constant === undefined ? undefined : numericValue(options.constant);
      if (options.constant !== undefined && number !== undefined) {
        // A number looks the other way: every name the table gives that value, and every flag
        // family whose flags OR to exactly that value.
        const names = constantNamesWithValue(table, number);
        const flags = flagDecompositions(table, number);
        if (names.length === 0 && flags.length === 0) errors.push(`no ${table.name} constant or set of flags has the value ${options.constant}`);
        else resolved.constant = { value: number, names, ...(flags.length === 0 ? {} : { flags }) };
      } else if (options.constant !== undefined) {
        const value = lookupConstant(table, options.constant);
        if (value === undefined) errors.push(unknownName('constant', options.constant, table, Object.keys(table.constants)));
        else resolved.constant = { name: options.constant, value };
      }
      for (const error of errors) ctx.stderr(`syscage: ${error}\n`);
      if (options.json === true) {
        printJson(ctx, errors.length > 0 ? { ...resolved, errors } : resolved);
      } else {
        const syscall = resolved.syscall as { name: string; number: number } | undefined;
        const constant = resolved.constant as { name?: string; names?: string[]; flags?: string[]; value: bigint } | undefined;
        if (syscall) ctx.stdout(`${syscall.name} = ${String(syscall.number)} (${hex(syscall.number)})\n`);
        if (constant?.name !== undefined) ctx.stdout(`${constant.name} = ${constant.value.toString()} (${hex(constant.value)})\n`);
        if (constant?.names !== undefined && constant.names.length > 0) ctx.stdout(`${constant.value.toString()} (${hex(constant.value)}) = ${constant.names.join(', ')}\n`);
        if (constant?.flags !== undefined) ctx.stdout(`${constant.value.toString()} (${hex(constant.value)}) as flags = ${constant.flags.join(', ')}\n`);
      }
      if (errors.length > 0) setExit(ExitCode.policyError);
    });
};
