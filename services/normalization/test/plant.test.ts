// The plant file: validated at start with errors naming file:line:col key, stored for the APIs, reloaded on
// change without a restart; an invalid change leaves the running configuration in place.
import { writeFileSync } from 'node:fs';
import { ConfigError } from '@kiln/service-kit';
import { describeWith, waitUntil } from '@kiln/test-infra';
import { PlantFile } from '../src/plant';
import { testDatabase, type TestDatabase } from './support/db';
import { testLogger } from './support/logger';
import { testPlant, type TestPlant } from './support/plant';

describeWith(['postgres'], 'the plant file', () => {
  let database: TestDatabase;
  let plant: TestPlant;
  let opened: PlantFile | undefined;
  const changes: number[] = [];
  const failures: string[] = [];

  beforeEach(async () => {
    database = await testDatabase();
    plant = testPlant();
    changes.length = 0;
    failures.length = 0;
  });

  afterEach(async () => {
    opened?.close();
    opened = undefined;
    await database.drop();
  });

  const open = async (): Promise<PlantFile> => {
    opened = await PlantFile.open({
      file: plant.file,
      db: database.db,
      schema: database.schema,
      logger: testLogger(),
      watch: true,
      debounceMs: 50,
      onChange: (config) => changes.push(config.model.assets.length),
      onReloadFailure: (reason) => failures.push(reason),
    });
    return opened;
  };
  const storedAssets = (): Promise<number> =>
    database.count(`SELECT count(*) AS n FROM $schema.assets WHERE level = 'asset'`);

  it('refuses to start on an invalid file, naming file, line, column and key', async () => {
    writeFileSync(
      plant.file,
      plant.yaml().replace('  name: Test enterprise', '  name: Test enterprise\n  colour: red'),
    );
    const error = await open().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toContain(`${plant.file}:4:3 enterprise.colour: unrecognized key`);
  });

  it('applies a valid change to the file without a restart and stores the new assets', async () => {
    const file = await open();
    expect(file.config.model.assets).toHaveLength(2);
    expect(await storedAssets()).toBe(2);
    writeFileSync(plant.file, plant.yaml({ withM3: true }));
    await waitUntil(() => changes.length === 1, {
      timeoutMs: 10_000,
      what: 'the watcher to reload the file',
    });
    expect(file.config.model.assets).toHaveLength(3);
    expect(await storedAssets()).toBe(3);
  });

  it('keeps the running configuration when the changed file is invalid, and says where', async () => {
    const file = await open();
    const broken = plant
      .yaml({ withM3: true })
      .replace('- { name: temperature, unit: Cel }', '- { name: temperature, unit: degC }');
    writeFileSync(plant.file, broken);
    const outcome = await file.reload();
    expect(outcome.status).toBe('invalid');
    const message = outcome.status === 'invalid' ? outcome.error.message : '';
    expect(message).toMatch(
      new RegExp(
        `${plant.file}:\\d+:\\d+ sites\\[0\\]\\.areas\\[0\\]\\.lines\\[0\\]\\.assets\\[0\\]\\.signals\\[0\\]\\.unit: 'degC' is not a valid UCUM unit`,
      ),
    );
    expect(file.config.model.assets).toHaveLength(2);
    expect(changes).toEqual([]);
    expect(failures[0]).toBe('invalid');
    expect(await storedAssets()).toBe(2);
    // Putting the running file back changes nothing.
    writeFileSync(plant.file, plant.yaml());
    expect(await file.reload()).toEqual({ status: 'unchanged' });
  });
});
