// Public API of @syscage/arch-tables.
export type { ArchTable, Endianness } from './types.js';
export { lookupConstant, lookupSyscall, syscallName } from './lookup.js';
export type { ArchModuleImporter, LoadArchTableResult } from './loader.js';
export { loadArchTable } from './loader.js';
export type { ArchPackage, ResolveArchResult } from './registry.js';
export { archPackageForNode, archPackages, findArchPackage, knownArchNames, resolveArchName } from './registry.js';
export type { SuggestOptions } from './suggest.js';
export { editDistance, suggestName } from './suggest.js';
export type { ArchDiagnosticCode } from './codes.js';
export { archDiagnosticCodes } from './codes.js';
export type { MinijailArchFacts, ReadArchJsonResult } from './minijail-json.js';
export { formatMinijailArchJson, minijailArchFacts, readMinijailArchJson } from './minijail-json.js';
export type { ArgumentNaming } from './values.js';
export {
  argumentNaming,
  constantNamesWithValue,
  errnoConstantName,
  flagDecompositions,
  flagNames,
  formatArgumentValue,
  formatCall,
  formatPolicyValue,
  nameArgumentValue,
  selectorArgument,
} from './values.js';
