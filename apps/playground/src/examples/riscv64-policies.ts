/** The `policies/riscv64/` tree as text, in its own lazily loaded chunk (see `../examples.ts`). */
import { toWorkspaceFiles } from './files.js';

/** Every file of `policies/riscv64/`. */
export const files = toWorkspaceFiles(
  import.meta.glob<string>(['../../../../policies/riscv64/*.policy', '../../../../policies/riscv64/*.frequency'], {
    query: '?raw',
    import: 'default',
    eager: true,
  }),
);
