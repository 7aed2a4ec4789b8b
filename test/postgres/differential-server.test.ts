import { describe, expect, it } from 'vitest';
import { checkCatalog, describeFailure } from '../support/differential.ts';
import { createTestDatabase, uniquePrefix } from '../support/postgres.ts';
import { baseSeed, createRandom } from '../support/random.ts';
import { randomCatalog } from '../support/random-catalog.ts';

const CATALOGS = Number(process.env.FIREBREAK_DIFF_CATALOGS ?? 120);
const seed = baseSeed();

describe(`random catalogs on the PostgreSQL server (base seed ${seed})`, () => {
  for (let i = 0; i < CATALOGS; i++) {
    const catalogSeed = (seed + i) >>> 0;
    it(`catalog ${i} (seed ${catalogSeed}): every login role reads exactly what PostgreSQL allows`, async () => {
      const prefix = uniquePrefix('fbd');
      const database = await createTestDatabase(`${prefix}db`);
      try {
        const version = await database.client.query(`select current_setting('server_version_num')::int as v`);
        const modern = (version.rows[0] as { v: number }).v >= 160000;
        const spec = randomCatalog(createRandom(catalogSeed), prefix, modern);
        const check = await checkCatalog(database.client, spec, database.name, modern);
        if (check.mismatches.length > 0 || check.functionMismatches.length > 0)
          expect.fail(describeFailure(catalogSeed, spec, database.name, modern, check));
        expect(check.comparisons).toBeGreaterThan(0);
      } finally {
        await database.drop([prefix]);
      }
    });
  }
});
