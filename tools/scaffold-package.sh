#!/usr/bin/env bash
# Creates packages/<dir> with the shape every Syscage package shares (see CONTRIBUTING.md).
# Its build is tools/build/javascript.mjs (entries from exports; add scripts the package starts
# itself as arguments) and the root build:declarations task.
# Usage: tools/scaffold-package.sh <dir> "<description>" [dep ...]
set -euo pipefail
dir=$1; desc=$2; shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
pkg="$root/packages/$dir"
mkdir -p "$pkg/src" "$pkg/tests"
deps=""
for d in "$@"; do deps="$deps\"@syscage/$d\": \"workspace:^\","; done
deps=${deps%,}
node - "$pkg" "$dir" "$desc" "$deps" <<'JS'
const [pkg, dir, desc, deps] = process.argv.slice(2);
const fs = require('node:fs');
const json = {
  name: `@syscage/${dir}`,
  version: '0.1.0',
  description: desc,
  license: 'BSD-3-Clause',
  type: 'module',
  exports: {
    '.': { '@syscage/source': './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js' },
    './package.json': './package.json',
  },
  main: './dist/index.js',
  types: './dist/index.d.ts',
  files: ['dist'],
  sideEffects: false,
  engines: { node: '>=20' },
  repository: { type: 'git', url: 'git+https://github.com/syscage/syscage.git', directory: `packages/${dir}` },
  scripts: { build: 'node ../../tools/build/javascript.mjs', test: 'vitest run', lint: 'eslint src tests && tsc --noEmit' },
  dependencies: JSON.parse(`{${deps}}`),
  devDependencies: {},
};
fs.writeFileSync(`${pkg}/package.json`, JSON.stringify(json, null, 2) + '\n');
JS
cat > "$pkg/tsconfig.json" <<'J'
{
  "extends": "../../tsconfig.base.json",
  "include": ["src", "tests", "bench", "*.ts"]
}
J
cat > "$pkg/vitest.config.ts" <<'J'
import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@syscage/source'] },
  ssr: { resolve: { conditions: ['@syscage/source'] } },
  test: { include: ['tests/**/*.test.ts'] },
});
J
