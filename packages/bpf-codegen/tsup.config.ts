export { default } from '../../tools/tsup/package.js';
