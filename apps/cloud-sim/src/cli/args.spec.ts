import { parseArgs, scenarioFromFlags } from './args';

describe('cloud-sim CLI arguments', () => {
  it.each([
    [['serve', '--hosts', '8', '--log-level', 'debug'], 'serve', [], { hosts: '8', 'log-level': 'debug' }],
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
      parseArgs(['serve', '--instances', '7', '--heartbeat-interval-ms', '250']).flags,
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
    expect(() => scenarioFromFlags({}, parseArgs(['serve', ...argv]).flags)).toThrow(message);
  });

  it.each([
    [['serve', '--host', '8'], "Unknown option '--host'"],
    [['demo', '--onse'], "Unknown option '--onse'"],
    [['inject', 'power-off', 'cmp-0001', '--hosts', '4'], "Unknown option '--hosts'"],
    [['serve', '--hosts'], "Option '--hosts <value>' argument missing"],
    [['demo', '--once=yes'], "Option '--once' does not take an argument"],
    [['--hosts', '8'], "Unknown option '--hosts'"],
  ])('refuses %j, naming the flag', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
