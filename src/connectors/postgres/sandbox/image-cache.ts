/**
 * Empty shadow clusters by database name (see `prepareImage`), so that only the first shadow of a
 * database in a process pays for initdb. An image is about 50 MB; two are kept. It holds nothing
 * from any snapshot or change: it is made before the build, in a separate PGlite instance.
 */
const images = new Map<string, ArrayBuffer>();
const KEPT = 2;

export function cachedImage(database: string): ArrayBuffer | undefined {
  return images.get(database);
}

export function rememberImage(database: string, image: ArrayBuffer): void {
  images.delete(database);
  images.set(database, image);
  for (const name of images.keys()) if (images.size > KEPT) images.delete(name);
}
