/** The `policies/aarch64/` tree as text, in its own lazily loaded chunk (see `../examples.ts`). */
import { toWorkspaceFiles } from './files.js';

/** Every file of `policies/aarch64/`. */
export const files = toWorkspaceFiles(
  import.meta.glob<string>(['../../../../policies/aarch64/*.policy', '../../../../policies/aarch64/*.frequency'], {
    query: '?raw',
    import: 'default',
    eager: true,
  }),
);
