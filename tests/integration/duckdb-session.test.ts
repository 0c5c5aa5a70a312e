import { DuckDbSession } from '../../src/engine/duckdb-session';

describe('DuckDbSession.withConnections', () => {
  let session: DuckDbSession;

  beforeEach(async () => {
    session = await DuckDbSession.create({ threads: 1 });
  });
  afterEach(() => session.close());

  it('gives extra connections to the same database', async () => {
    // Prepare
    await session.run('CREATE TABLE shared AS SELECT 42 AS answer');
    // Act
    const answers = await session.withConnections(2, (sessions) => Promise.all(sessions.map((s) => s.scalar<number>('SELECT answer FROM shared'))));
    // Assert
    expect(answers).toEqual([42, 42]);
  });

  it('configures each extra connection like the session (UTC)', async () => {
    // Act
    const zones = await session.withConnections(1, ([extra]) => extra.scalar<string>(`SELECT current_setting('TimeZone')`));
    // Assert
    expect(zones).toBe('UTC');
  });

  it('closes the extra connections afterwards and keeps the session open', async () => {
    // Prepare
    let extras: DuckDbSession[] = [];
    await session.withConnections(1, async (sessions) => {
      extras = sessions;
    });
    // Act
    const afterwards = extras[0].scalar('SELECT 1');
    // Assert
    await expect(afterwards).rejects.toThrow(/connection disconnected/);
    expect(await session.scalar<number>('SELECT 1')).toBe(1);
  });
});
