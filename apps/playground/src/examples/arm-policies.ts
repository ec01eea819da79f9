/** The `policies/arm/` tree as text, in its own lazily loaded chunk (see `../examples.ts`). */
import { toWorkspaceFiles } from './files.js';

/** Every file of `policies/arm/`. */
export const files = toWorkspaceFiles(
  import.meta.glob<string>(['../../../../policies/arm/*.policy', '../../../../policies/arm/*.frequency'], {
    query: '?raw',
    import: 'default',
    eager: true,
  }),
);
