// The shared checks of every architecture package (tools/arch-gen/src/suite.ts) on this table.
import { describeArchPackage } from '../../../tools/arch-gen/src/suite.js';
import { archX86_64 } from '../src/index.js';

describeArchPackage('x86_64', archX86_64);
