// The shared checks of every architecture package (tools/arch-gen/src/suite.ts) on this table.
import { describeArchPackage } from '../../../tools/arch-gen/src/suite.js';
import { archPpc64le } from '../src/index.js';

describeArchPackage('ppc64le', archPpc64le);
