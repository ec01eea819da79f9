import { describe, expect, it } from 'vitest';
import { ARCHITECTURES, loadArch } from '../src/archs.js';

describe('loadArch', () => {
  it.each(ARCHITECTURES.map((name) => [name]))('loads the %s table by its canonical name', async (name) => {
    const result = await loadArch(name);
    expect(result.ok && result.table.name).toBe(name);
  });

  it.each([
    ['arm64', 'aarch64'],
    ['x86', 'i386'],
  ])('accepts the alias %s for %s', async (alias, name) => {
    const result = await loadArch(alias);
    expect(result.ok && result.table.name).toBe(name);
  });

  it('reports an unknown architecture with a suggestion instead of throwing', async () => {
    const result = await loadArch('x86-46');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain("unknown architecture 'x86-46'");
  });
});
