import { defineConfig } from 'tsup';
import { packageConfig } from '../../tools/tsup/package.js';

export default defineConfig(packageConfig({ entry: ['src/index.ts', 'src/node.ts'] }));
