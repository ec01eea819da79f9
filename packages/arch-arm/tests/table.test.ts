// The shared checks of every architecture package (tools/arch-gen/src/suite.ts) on this table.
import { describeArchPackage } from '../../../tools/arch-gen/src/suite.js';
import { archArm } from '../src/index.js';

describeArchPackage('arm', archArm);
