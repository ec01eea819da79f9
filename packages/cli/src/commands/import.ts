/**
 * `syscage import PROFILE.json --arch A [--caps CAP,...] [--kernel X.Y] [-o FILE]`: the Minijail
 * policy an OCI, Moby or Podman seccomp profile means on one architecture, with the decisions of
 * libseccomp's compile of the profile as runc reads it. Each rule's comment names the entry it
 * came from. A bad profile gets errors with a JSON path and a line; what a policy cannot say is
 * an error too, and then nothing is written.
 */

import { resolve } from 'node:path';
import { compilePolicy } from '@syscage/bpf-codegen';
import { CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { importProfileFile } from '../oci-input.js';
import { archOption } from '../options.js';
import { printDiagnostics, showPath, writeOutputFile } from '../output.js';
import type { RegisterCommand } from '../program.js';
import { refuseOutputsOverInputs } from '../same-file.js';
import { loadArch } from './simulate-input.js';

interface ImportCommandOptions {
  readonly arch?: string;
  readonly caps?: string;
  readonly kernel?: string;
  readonly output?: string;
}

/** `--caps CAP_A,CAP_B` as names (`SYS_ADMIN` is taken as `CAP_SYS_ADMIN`, as Docker's --cap-add takes it). */
export function parseCaps(text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((part) => {
    const name = part.trim().toUpperCase();
    if (!/^(CAP_)?[A-Z_]+$/.test(name)) throw new CliError(`--caps ${text}: '${part}' is not a capability name (e.g. CAP_SYS_ADMIN)`, ExitCode.usage);
    return name.startsWith('CAP_') ? name : `CAP_${name}`;
  });
}

/** `--kernel X.Y[.Z]`. */
export function parseKernel(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+\.\d+(\.\d+)?$/.test(text)) throw new CliError(`--kernel ${text}: expected a version such as 6.8`, ExitCode.usage);
  return text;
}

/** Registers `syscage import`. */
export const registerImport: RegisterCommand = (program, ctx, setExit) => {
  program
    .command('import')
    .description('write the Minijail policy an OCI (Docker, Podman, runc) seccomp profile means on one architecture')
    .argument('<profile>', 'an OCI linux.seccomp profile (.json), Moby’s and Podman’s extensions included')
    .addOption(archOption('the architecture to import for (default: the profile’s folder name)'))
    .option('--caps <caps>', 'the container’s capabilities, comma-separated, for Moby’s includes/excludes (default: none)')
    .option('--kernel <version>', 'the host kernel version X.Y for Moby’s minKernel (default: the newest the architecture table knows)')
    .option('-o, --output <file>', 'output policy file (default: stdout)')
    .action(async (profile: string, options: ImportCommandOptions) => {
      const caps = parseCaps(options.caps);
      const kernel = parseKernel(options.kernel);
      const table = await loadArch(ctx, options.arch, profile);
      const show = (path: string): string => showPath(ctx, path);
      const imported = importProfileFile(ctx, profile, table, { caps, ...(kernel === undefined ? {} : { kernel }) }, show);
      // The policy is compiled before it is written: what the importer wrote must mean something.
      const compiled = imported.resolved === undefined || imported.defaultAction === undefined ? undefined : compilePolicy(imported.resolved, table, { defaultAction: imported.defaultAction, useKillProcess: true });
      const diagnostics = [...imported.diagnostics, ...(compiled?.diagnostics ?? []).map((diagnostic) => ({ ...diagnostic, file: show(diagnostic.file) }))];
      const errors = printDiagnostics(ctx, diagnostics, imported.sources);
      if (errors > 0 || imported.policy === undefined || compiled?.program === undefined) {
        ctx.stderr('nothing written\n');
        setExit(ExitCode.policyError);
        return;
      }
      if (options.output === undefined) {
        ctx.stdout(imported.policy);
        return;
      }
      const output = resolve(ctx.cwd, options.output);
      refuseOutputsOverInputs([{ path: output, shown: show(output) }], [imported.file], show);
      writeOutputFile(output, imported.policy, show);
      ctx.stdout(`${show(imported.file)} (${table.name}) → ${show(output)}\n`);
    });
};
