import { parseArgs, scenarioFromFlags } from './args';

describe('cloud-sim CLI arguments', () => {
  it.each([
    [['serve', '--hosts', '8', '--once'], 'serve', [], { hosts: '8', once: true }],
    [
      ['inject', 'power-off', 'cmp-0001', '--api=http://x'],
      'inject',
      ['power-off', 'cmp-0001'],
      { api: 'http://x' },
    ],
    [['demo', '--once', '--hosts', '4'], 'demo', [], { once: true, hosts: '4' }],
    [[], undefined, [], {}],
  ])('%j', (argv, command, positionals, flags) => {
    const parsed = parseArgs(argv);
    expect(parsed.command).toBe(command);
    expect(parsed.positionals).toEqual(positionals);
    expect(Object.fromEntries(parsed.flags)).toEqual(flags);
  });

  it('lays flags over the scenario file, nested keys included', () => {
    const scenario = scenarioFromFlags(
      { hosts: 100, timing: { rebuildMs: 9 } },
      parseArgs(['--instances', '7', '--heartbeat-interval-ms', '250']).flags,
    );
    expect(scenario).toMatchObject({
      hosts: 100,
      instances: 7,
      timing: { rebuildMs: 9, heartbeatIntervalMs: 250 },
    });
  });

  it.each([
    [['--hosts', 'many'], '--hosts needs a number'],
    [['--hosts', '0'], 'hosts'],
  ])('rejects %j', (argv, message) => {
    expect(() => scenarioFromFlags({}, parseArgs(argv).flags)).toThrow(message);
  });
});
