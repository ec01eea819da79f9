// Public API of @syscage/arch-tables.
export type { ArchTable, Endianness } from './types.js';
