// The host's architecture table for the tests (the hand-assembled lists are x86_64's).
import type { ArchTable } from '@syscage/arch-tables';
import { hostArchTable } from '../src/index.js';

const found = hostArchTable();
if ('message' in found) throw new Error(found.message);

export const table: ArchTable = found.table;

/** The tests with hand-written syscall lists know glibc on x86_64. */
export const onX86_64 = process.arch === 'x64';
