import { DuplicateTemplateError } from '../../src/labs/errors';
import { type CapturedTemplate } from '../../src/labs/ports';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { KyselyCapturedTemplates } from '../../src/store/kysely-captured-templates';
import { KyselyLabStore } from '../../src/store/kysely-lab-store';
import { migrateToLatest } from '../../src/store/migrate';
import { fullLab } from '../helpers/labs';
import { databaseKinds, type TestDatabase } from './test-databases';

const kinds = databaseKinds('KyselyCapturedTemplates');

const TEMPLATE: CapturedTemplate = {
  key: 'mytpl',
  catalogItem: 'labbot-capture-mytpl',
  catalog: 'labs',
  baseTemplate: 'esxi8',
  sourceLabId: 'demo-4kq',
  capturedBy: 'U_ALICE',
  capturedAt: new Date('2026-11-24T09:00:00.123Z'),
};

describe.each(kinds)('KyselyCapturedTemplates on $name', (kind) => {
  let testDatabase: TestDatabase;
  let database: LabbotDatabase;
  let templates: KyselyCapturedTemplates;

  beforeEach(async () => {
    testDatabase = await kind.create();
    database = await openDatabase(testDatabase.target);
    await migrateToLatest(database);
    templates = new KyselyCapturedTemplates(database);
  });

  afterEach(async () => {
    await database.close();
    await testDatabase.dispose();
  });

  it('keeps a template private until published; the first publication stands', async () => {
    await templates.save(TEMPLATE);
    expect(await templates.get('mytpl')).toEqual(TEMPLATE);

    const at = new Date('2026-11-26T10:00:00.000Z');
    await templates.publish('mytpl', 'U_ADMIN', at);
    await templates.publish('mytpl', 'U_OTHER_ADMIN', new Date('2026-11-27T10:00:00.000Z'));
    await templates.publish('nope', 'U_ADMIN', at);

    expect(await templates.get('mytpl')).toEqual({ ...TEMPLATE, publishedAt: at, publishedBy: 'U_ADMIN' });
    expect(await templates.list()).toHaveLength(1);
  });

  it('removes a registration, reporting whether there was one', async () => {
    await templates.save(TEMPLATE);

    await expect(templates.remove('mytpl')).resolves.toBe(true);
    await expect(templates.remove('mytpl')).resolves.toBe(false);
    expect(await templates.get('mytpl')).toBeUndefined();
    // The key is free again for a new capture.
    await templates.save({ ...TEMPLATE, catalogItem: 'labbot-capture-mytpl-2' });
    expect((await templates.get('mytpl'))?.catalogItem).toBe('labbot-capture-mytpl-2');
  });

  it('saves, gets and lists templates, oldest first', async () => {
    const later = { ...TEMPLATE, key: 'alpha', capturedAt: new Date('2026-11-25T09:00:00Z') };
    await templates.save(later);
    await templates.save(TEMPLATE);

    expect(await templates.get('mytpl')).toStrictEqual(TEMPLATE);
    expect(await templates.get('nope')).toBeUndefined();
    expect((await templates.list()).map((t) => t.key)).toEqual(['mytpl', 'alpha']);
  });

  it('treats saving the same capture again as done, and another item under a taken key as an error', async () => {
    await templates.save(TEMPLATE);
    await templates.save({ ...TEMPLATE, capturedAt: new Date('2026-11-24T10:00:00Z') });

    await expect(templates.save({ ...TEMPLATE, catalogItem: 'other' })).rejects.toBeInstanceOf(
      DuplicateTemplateError,
    );
    expect(await templates.list()).toStrictEqual([TEMPLATE]);
  });

  it('keeps a lab’s capture request and capture in flight, each written by its own writer', async () => {
    const labs = new KyselyLabStore(database);
    await labs.insert(fullLab());

    await labs.applyRequest('repro-ticket-123', { captureAs: 'mytpl' });
    await labs.update({ ...fullLab(), phase: 'capturing', captureName: 'labbot-capture-mytpl' });
    expect(await labs.get('repro-ticket-123')).toMatchObject({
      phase: 'capturing',
      captureAs: 'mytpl',
      captureName: 'labbot-capture-mytpl',
    });

    await labs.applyRequest('repro-ticket-123', { captureAs: undefined });
    const { captureName: _done, ...rest } = { ...fullLab(), phase: 'ready' as const, captureName: 'x' };
    await labs.update(rest);
    const lab = await labs.get('repro-ticket-123');
    expect(lab).not.toHaveProperty('captureAs');
    expect(lab).not.toHaveProperty('captureName');
  });
});
