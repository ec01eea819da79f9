import { defineConfig } from 'tsup';
import { packageConfig } from '../../tools/tsup/package.js';

// launcher.ts is the script the runner starts as the launcher and supervisor processes.
export default defineConfig(packageConfig({ entry: ['src/index.ts', 'src/launcher.ts'] }));
