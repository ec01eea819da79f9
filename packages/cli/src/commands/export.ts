/**
 * `syscage export POLICY... --format oci [--arch A]... [-o FILE]`: policies as OCI container
 * seccomp profiles (what Docker, Podman, runc, crun and Kubernetes load). The policies of one
 * name (`net_device.policy` in `x86_64/` and `aarch64/`) become one profile for all their
 * architectures, with the decisions of the programs `compile` writes for the same options. What
 * a profile cannot say exactly is an error at the rule's file:line and nothing is written: an
 * approximation would let a container run calls its policy denies, or break it, silently.
 */

import { basename, dirname, join, resolve } from 'node:path';
import { resolveArchName } from '@syscage/arch-tables';
import { type LoweredPolicy, compilePolicy, exportOciProfile, ociProfileJson } from '@syscage/bpf-codegen';
import type { Diagnostic } from '@syscage/policy-parser';
import { CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { type LoadedInput, loadPolicies } from '../input.js';
import { type PolicyInputOptions, addPolicyInputOptions, archOption, compileDefaults, formatOption, parseIncludeMap, resolveArchOption } from '../options.js';
import { printDiagnostics, showPath, writeOutputFile } from '../output.js';
import type { RegisterCommand } from '../program.js';
import { refuseOutputsOverInputs } from '../same-file.js';

interface ExportCommandOptions extends PolicyInputOptions {
  readonly arch: readonly string[];
  readonly format: 'oci';
  readonly output?: string;
}

/** Diagnostics with their (and their related locations') files as messages show them. */
function withShownFiles(diagnostics: readonly Diagnostic[], show: (path: string) => string): Diagnostic[] {
  return diagnostics.map((diagnostic) => ({
    ...diagnostic,
    file: show(diagnostic.file),
    ...(diagnostic.related === undefined ? {} : { related: diagnostic.related.map((related) => ({ ...related, file: show(related.file) })) }),
  }));
}

/** The profile name of a policy file: its base name without `.policy`. */
const profileName = (file: string): string => basename(file).replace(/\.policy$/, '');

/** Registers `syscage export`. */
export const registerExport: RegisterCommand = (program, ctx, setExit) => {
  addPolicyInputOptions(
    program
      .command('export')
      .description('write policies as OCI container seccomp profiles (Docker, Podman, runc, crun, Kubernetes); one profile per policy name, covering its architectures')
      .argument('<policies...>', 'loaded policy files (the same name in several architecture folders makes one multi-architecture profile)')
      .addOption(formatOption(['oci'], 'output format: oci (a linux.seccomp profile as JSON)'))
      .addOption(
        archOption('an architecture to export (repeatable; default: every architecture given, each from its folder name)')
          .argParser((value: string, previous: readonly string[]) => [...previous, value])
          .default([] as string[]),
      )
      .option('-o, --output <path>', 'output file (one profile; default stdout) or folder (several: OUT/<name>.json)'),
  ).action(async (policies: string[], options: ExportCommandOptions) => {
    const arches = new Set(options.arch.map((arch) => resolveArchOption(arch)));
    // --arch selects among files in architecture folders, and gives a file outside one its
    // architecture (then exactly one is needed, as in every command).
    const inArchFolder = (path: string): boolean => resolveArchName(basename(dirname(resolve(ctx.cwd, path)))).ok;
    const load = (paths: readonly string[], arch?: string): Promise<LoadedInput> =>
      loadPolicies({
        paths,
        cwd: ctx.cwd,
        ...(arch === undefined ? {} : { arch }),
        includeMap: parseIncludeMap(ctx.cwd, options.includeMap),
        ...(options.allowOutsideIncludes === true ? { allowIncludesOutside: true } : {}),
        trees: false,
      });
    const foldered = policies.filter(inArchFolder);
    const bare = policies.filter((path) => !inArchFolder(path));
    if (bare.length > 0 && arches.size > 1) throw new CliError(`${bare.join(', ')}: not in an architecture folder; give one --arch for ${bare.length === 1 ? 'it' : 'them'}`, ExitCode.usage);
    const loaded = [...(foldered.length > 0 ? [await load(foldered)] : []), ...(bare.length > 0 ? [await load(bare, [...arches][0])] : [])];
    const input = {
      policies: loaded.flatMap((part) => part.policies),
      diagnostics: loaded.flatMap((part) => part.diagnostics),
      sources: new Map(loaded.flatMap((part) => [...part.sources])),
    };
    const show = (path: string): string => showPath(ctx, path);
    const sources = new Map([...input.sources].map(([path, text]) => [show(path), text]));
    const diagnostics: Diagnostic[] = [...input.diagnostics];
    const groups = new Map<string, { files: string[]; lowered: LoweredPolicy[] }>();
    let failed = false;
    for (const { file, table, resolved } of input.policies) {
      if (table === undefined || (arches.size > 0 && !arches.has(table.name))) continue;
      const group = groups.get(profileName(file)) ?? { files: [], lowered: [] };
      groups.set(profileName(file), group);
      if (group.lowered.some((lowered) => lowered.arch.name === table.name)) {
        throw new CliError(`${show(file)}: a second ${table.name} policy named ${profileName(file)}; a profile has one policy per architecture`, ExitCode.usage);
      }
      group.files.push(file);
      diagnostics.push(...resolved.diagnostics);
      if (resolved.diagnostics.some((diagnostic) => diagnostic.severity === 'error')) {
        failed = true;
        continue;
      }
      const result = compilePolicy(resolved, table, compileDefaults(options));
      diagnostics.push(...result.diagnostics);
      if (result.lowered === undefined || result.program === undefined) failed = true;
      else group.lowered.push(result.lowered);
    }
    if (groups.size === 0) throw new CliError(`export: no policy for ${[...arches].join(', ')} among ${policies.join(', ')}`, ExitCode.usage);
    const profiles: { name: string; text: string }[] = [];
    for (const [name, group] of groups) {
      const result = exportOciProfile(group.lowered);
      diagnostics.push(...result.diagnostics);
      if (result.profile === undefined) failed = true;
      else profiles.push({ name, text: `${ociProfileJson(result.profile)}\n` });
    }
    const errors = printDiagnostics(ctx, withShownFiles(diagnostics, show), sources);
    if (errors > 0 || failed) {
      ctx.stderr('nothing written\n');
      setExit(ExitCode.policyError);
      return;
    }
    if (options.output === undefined) {
      if (profiles.length > 1) throw new CliError(`export: ${String(profiles.length)} profiles (${[...groups.keys()].join(', ')}) need -o FOLDER`, ExitCode.usage);
      ctx.stdout(profiles[0]?.text ?? '');
      return;
    }
    const output = resolve(ctx.cwd, options.output);
    const targets = profiles.map((profile) => ({ ...profile, path: profiles.length > 1 ? join(output, `${profile.name}.json`) : output }));
    refuseOutputsOverInputs(
      targets.map((target) => ({ path: target.path, shown: show(target.path) })),
      input.sources.keys(),
      show,
    );
    for (const target of targets) {
      writeOutputFile(target.path, target.text, show, { makeFolder: true });
      const files = groups.get(target.name)?.files ?? [];
      ctx.stdout(`${files.map(show).join(', ')} → ${show(target.path)}\n`);
    }
  });
};
