export {
  MANIFEST_MAX_BYTES,
  type ManifestFormat,
  type ParseManifestOptions,
  parseManifest,
} from './parse-manifest.ts';
export { readManifestFile } from './read-manifest.ts';
export type { Manifest } from './schema.ts';
