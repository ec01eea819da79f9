// The shared checks of every architecture package (tools/arch-gen/src/suite.ts) on this table.
import { describeArchPackage } from '../../../tools/arch-gen/src/suite.js';
import { archAarch64 } from '../src/index.js';

describeArchPackage('aarch64', archAarch64);
