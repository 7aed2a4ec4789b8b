import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCatalog, describeFailure } from '../support/differential.ts';
import { createPglite, dropRoles, uniquePrefix } from '../support/postgres.ts';
import { baseSeed, createRandom } from '../support/random.ts';
import { randomCatalog } from '../support/random-catalog.ts';

const CATALOGS = Number(process.env.FIREBREAK_DIFF_CATALOGS ?? 120);
const seed = baseSeed();
let db: PGlite;

beforeAll(async () => {
  db = await createPglite();
});
afterAll(async () => {
  await db.close();
});

describe(`random catalogs on PGlite (base seed ${seed})`, () => {
  for (let i = 0; i < CATALOGS; i++) {
    const catalogSeed = (seed + i) >>> 0;
    it(`catalog ${i} (seed ${catalogSeed}): every login role reads exactly what PGlite allows`, async () => {
      const prefix = uniquePrefix('fbd');
      const spec = randomCatalog(createRandom(catalogSeed), prefix, true);
      try {
        const check = await checkCatalog(db, spec, 'postgres', true);
        if (check.mismatches.length > 0 || check.functionMismatches.length > 0)
          expect.fail(describeFailure(catalogSeed, spec, 'postgres', true, check));
        expect(check.comparisons).toBeGreaterThan(0);
      } finally {
        for (const schema of spec.schemas) await db.query(`drop schema if exists "${schema.name}" cascade`);
        for (const role of spec.roles) await db.query(`drop owned by "${role.name}" cascade`).catch(() => {});
        await db.query('grant connect on database postgres to public');
        await dropRoles(db, [prefix]);
      }
    });
  }
});
