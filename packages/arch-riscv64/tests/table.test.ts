// The shared checks of every architecture package (tools/arch-gen/src/suite.ts) on this table.
import { describeArchPackage } from '../../../tools/arch-gen/src/suite.js';
import { archRiscv64 } from '../src/index.js';

describeArchPackage('riscv64', archRiscv64);
