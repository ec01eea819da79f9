// Points jail-runner at the launcher tests/global-setup.ts built for this run.
import { inject } from 'vitest';

process.env.SYSCAGE_LAUNCHER = inject('syscageLauncher');
