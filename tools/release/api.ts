/**
 * API reports: every published entry point's public API, as API Extractor sees the built
 * declarations, is recorded in `<package>/etc/<name>.api.md` and reviewed like code.
 *
 *   pnpm release:api         build, then rewrite the reports (and create api-extractor.json for
 *                            a package that has none, e.g. a new arch package)
 *   pnpm release:api:check   build, then fail if any report differs from the current API
 *
 * Each package has `api-extractor.json` (its main entry) extending
 * tools/release/api-extractor.base.json; a package with more entry points has one more config
 * per entry, `api-extractor.<entry>.json` (include-resolver's `./node`). Undocumented exports
 * and TSDoc mistakes are written into the report as `// Warning:` lines rather than failing, so
 * the report shows the documentation gaps too.
 */
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { publishablePackages, repoRoot, seconds, type WorkspacePackage } from './workspace.js';

const defaultConfig = `{
  "$schema": "https://developer.microsoft.com/json-schemas/api-extractor/v7/api-extractor.schema.json",
  "extends": "../../tools/release/api-extractor.base.json"
}
`;

/** The API Extractor configs of a package: api-extractor.json first, then per-entry ones. */
export function apiConfigs(pkg: WorkspacePackage): string[] {
  return readdirSync(pkg.dir)
    .filter((file) => /^api-extractor(\.[\w-]+)?\.json$/.test(file))
    .sort((a, b) => (a === 'api-extractor.json' ? -1 : b === 'api-extractor.json' ? 1 : a < b ? -1 : 1))
    .map((file) => join(pkg.dir, file));
}

/**
 * Writes or checks every report. In check mode a changed or missing report fails; in update
 * mode missing configs and report folders are created.
 */
export async function apiReports(options: { check: boolean }): Promise<boolean> {
  await Promise.resolve();
  let ok = true;
  const changed: string[] = [];
  for (const pkg of publishablePackages()) {
    if (!existsSync(join(pkg.dir, 'dist'))) {
      console.error(`${pkg.relDir}: no dist/ (run pnpm build first)`);
      ok = false;
      continue;
    }
    let configs = apiConfigs(pkg);
    if (configs.length === 0) {
      if (options.check) {
        console.error(`${pkg.relDir}: no api-extractor.json (run pnpm release:api to create it and the report)`);
        ok = false;
        continue;
      }
      writeFileSync(join(pkg.dir, 'api-extractor.json'), defaultConfig);
      console.log(`${pkg.relDir}/api-extractor.json: created`);
      configs = apiConfigs(pkg);
    }
    mkdirSync(join(pkg.dir, 'etc'), { recursive: true });
    for (const configPath of configs) {
      const started = Date.now();
      const config = ExtractorConfig.loadFileAndPrepare(configPath);
      const report = config.reportConfigs.map((r) => relative(repoRoot, join(config.reportFolder, r.fileName))).join(', ');
      // Report created/changed notices are counted as warnings by API Extractor; they are
      // summarised on the status line instead of printed.
      const reportNotices = new Set(['console-api-report-copied', 'console-api-report-created', 'console-api-report-not-copied']);
      let noticeCount = 0;
      const result = Extractor.invoke(config, {
        localBuild: !options.check,
        showVerboseMessages: false,
        messageCallback: (message) => {
          if (reportNotices.has(message.messageId)) {
            noticeCount++;
            message.handled = true;
          } else if (message.logLevel === ExtractorLogLevel.Info || message.logLevel === ExtractorLogLevel.Verbose) {
            message.handled = true;
          }
        },
      });
      const status = result.apiReportChanged ? (options.check ? 'DIFFERS' : 'updated') : 'unchanged';
      if (result.apiReportChanged) changed.push(report);
      if (!result.succeeded || (options.check && result.apiReportChanged)) ok = false;
      const issues = result.errorCount + result.warningCount - noticeCount;
      console.log(`${report}: ${status}${issues ? `, ${issues} errors/warnings` : ''} (${seconds(Date.now() - started)})`);
    }
  }
  if (options.check && changed.length > 0) {
    console.error(
      `\nThe public API differs from ${changed.join(', ')}.\n` +
        'If the change is intended, run `pnpm release:api`, review the diff of etc/*.api.md and commit it ' +
        '(with a changeset saying what changed for users).',
    );
  }
  return ok;
}
