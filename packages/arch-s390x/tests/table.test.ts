// The shared checks of every architecture package (tools/arch-gen/src/suite.ts) on this table.
import { describeArchPackage } from '../../../tools/arch-gen/src/suite.js';
import { archS390x } from '../src/index.js';

describeArchPackage('s390x', archS390x);
