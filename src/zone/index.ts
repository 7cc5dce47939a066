/**
 * zone/'s public entry: what other folders use. The model and RR types (`model.ts`, `rr-types.ts`),
 * building (`build.ts`), RFC 1035 master files (`master/`), YAML balanced zones and their editing
 * (`yaml/`), zones folders on disk: scan, watch, atomic writes (`files/`), zones published in Redis
 * (`published/`), and which members the served zones probe (`probe-targets.ts`).
 */
export * from './model.ts';
export { buildZone, type SourcedRecord } from './build.ts';
export { probeTargets } from './probe-targets.ts';
export { dnsblTargets } from './dnsbl-targets.ts';
export { parseMasterFile, parseZoneText, type IncludeReader, type MasterFileOptions } from './master/master-parser.ts';
export { parseName, parseTtl, zoneTypeName } from './master/rdata-parser.ts';
export {
  defaultParsers,
  formatSourceError,
  listZoneFiles,
  noZoneLoadsMessage,
  loadZoneDir,
  loadZoneFile,
  parseZoneFile,
  scanZoneDir,
  type LastGood,
  type ScanOptions,
  type ScanResult,
  type ZoneDirResult,
  type ZoneFileReport,
} from './files/scan-dir.ts';
export { ZoneLoader, type ZoneChangeListener, type ZoneLoaderOptions, type ZoneReloadReport } from './files/watch-dir.ts';
export { YAML_EXTENSIONS, siblingZoneFile, type ZoneFileContext, type ZoneFileParser } from './files/zone-files.ts';
export { writeAtomically } from './files/atomic-write.ts';
export { parseYamlZoneFile } from './yaml/yaml-file.ts';
export { editYamlZone, setMember, type EditOutcome, type MemberEdit, type MemberFields, type ReadBack } from './yaml/yaml-edit.ts';
export { fetchZone, publishedVersions, publishZone, zoneDigest, zoneKeys, type PublishedZone, type PublishResult, type ZoneKeys, type ZoneSource } from './published/redis-zones.ts';
export { checkAgainstPublished, localZones, pullTarget, readManifest, writeManifest, writeZoneFiles, type Manifest } from './published/redis-files.ts';
export { RedisZoneFollower, type RedisZoneFollowerOptions } from './published/redis-follower.ts';
