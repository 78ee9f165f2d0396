/**
 * Moved to `test/support/testDatabase.ts`: test helpers live under `test/`. This re-export stays only while
 * files being changed elsewhere (`http/*.test.ts`, `http/routes/*.test.ts`, `bench/src/chaos/fabricChaos.ts`)
 * still import it from here; import from `test/support/testDatabase` and delete this file.
 */
export { openTestDatabase, resetTestDatabase, testDatabaseKinds } from '../../../test/support/testDatabase';
