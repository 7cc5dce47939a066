/** What other folders use from zone/: the model, building, the master-file parser and the loaders. */
export * from './model.ts';
export { buildZone, type SourcedRecord } from './build.ts';
export { parseMasterFile, parseZoneText, type IncludeReader, type MasterFileOptions } from './master-parser.ts';
export { parseName, parseTtl } from './rdata-parser.ts';
export {
  defaultParsers,
  formatSourceError,
  loadZoneDir,
  loadZoneFile,
  parseZoneFile,
  scanZoneDir,
  type LastGood,
  type ScanOptions,
  type ScanResult,
  type ZoneDirResult,
  type ZoneFileContext,
  type ZoneFileParser,
  type ZoneFileReport,
} from './loader.ts';
export { ZoneLoader, type ZoneChangeListener, type ZoneLoaderOptions, type ZoneReloadReport } from './zone-loader.ts';
