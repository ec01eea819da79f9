/** The `policies/x86_64/` tree as text, in its own lazily loaded chunk (see `../examples.ts`). */
import { toWorkspaceFiles } from './files.js';

/** Every file of `policies/x86_64/`. */
export const files = toWorkspaceFiles(
  import.meta.glob<string>(['../../../../policies/x86_64/*.policy', '../../../../policies/x86_64/*.frequency'], {
    query: '?raw',
    import: 'default',
    eager: true,
  }),
);
