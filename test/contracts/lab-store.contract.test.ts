import { openDatabase } from '../../src/store/database';
import { KyselyLabStore } from '../../src/store/kysely-lab-store';
import { migrateToLatest } from '../../src/store/migrate';
import { MemoryLabStore } from '../helpers/memory-lab-store';
import { databaseKinds } from '../store/test-databases';
import { describeLabStoreContract } from './lab-store-contract';

describeLabStoreContract({
  name: 'MemoryLabStore (the fake)',
  open: () => Promise.resolve({ store: new MemoryLabStore(), dispose: () => Promise.resolve() }),
});

for (const kind of databaseKinds('LabStore contract')) {
  describeLabStoreContract({
    name: `KyselyLabStore on ${kind.name}`,
    open: async () => {
      const testDatabase = await kind.create();
      const database = await openDatabase(testDatabase.target);
      await migrateToLatest(database);
      return { store: new KyselyLabStore(database), dispose: () => testDatabase.dispose() };
    },
  });
}
