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
export { YAML_EXTENSIONS, siblingZoneFile } from './zone-files.ts';
export { parseYamlZoneFile } from './yaml-file.ts';
export { writeAtomically } from './atomic-write.ts';
export { editYamlZone, setMember, type EditOutcome, type MemberEdit, type MemberFields, type ReadBack } from './yaml-edit.ts';
export { fetchZone, publishedVersions, publishZone, zoneDigest, zoneKeys, type PublishedZone, type PublishResult, type ZoneKeys, type ZoneSource } from './redis-zones.ts';
export { checkAgainstPublished, localZones, pullTarget, readManifest, writeManifest, writeZoneFiles, type Manifest } from './redis-files.ts';
export { RedisZoneFollower, type RedisZoneFollowerOptions } from './redis-follower.ts';
