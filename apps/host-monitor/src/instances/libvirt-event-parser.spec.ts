import { isUuid, parseDomUuid, parseVirshEventLine } from './libvirt-event-parser';

describe('parseVirshEventLine', () => {
  const dom = 'instance-0000002a';
  it.each([
    [`event 'lifecycle' for domain '${dom}': Stopped Failed`, 'LIFECYCLE', 'STOPPED_FAILED'],
    [`event 'lifecycle' for domain '${dom}': Stopped Crashed`, 'LIFECYCLE', 'STOPPED_CRASHED'],
    [`event 'lifecycle' for domain '${dom}': Stopped Destroyed`, 'LIFECYCLE', 'STOPPED_DESTROYED'],
    [`event 'lifecycle' for domain '${dom}': Stopped Shutdown`, 'LIFECYCLE', 'STOPPED_SHUTDOWN'],
    [`event 'lifecycle' for domain '${dom}': Suspended I/O Error`, 'LIFECYCLE', 'SUSPENDED_IOERROR'],
    [`event 'lifecycle' for domain '${dom}': Suspended API error`, 'LIFECYCLE', 'SUSPENDED_API_ERROR'],
    [
      `event 'lifecycle' for domain '${dom}': Shutdown Finished after guest request`,
      'LIFECYCLE',
      'SHUTDOWN_FINISHED',
    ],
    [`event 'lifecycle' for domain '${dom}': Crashed Panicked`, 'LIFECYCLE', 'CRASHED_PANICKED'],
    [
      `event 'io-error' for domain '${dom}': /var/lib/nova/instances/x/disk (virtio-disk0) report`,
      'IO_ERROR',
      'IO_ERROR_REPORT',
    ],
    [`event 'io-error' for domain '${dom}': /dev/sdb (virtio-disk1) pause`, 'IO_ERROR', 'IO_ERROR_PAUSE'],
    [`event 'watchdog' for domain '${dom}': poweroff`, 'WATCHDOG', 'WATCHDOG_POWEROFF'],
    [`event 'watchdog' for domain '${dom}': inject-nmi`, 'WATCHDOG', 'WATCHDOG_INJECT_NMI'],
    [
      `2024-05-01 10:02:11.123+0000: event 'lifecycle' for domain '${dom}': Stopped Failed`,
      'LIFECYCLE',
      'STOPPED_FAILED',
    ],
  ])('%s → (%s, %s)', (line, event, virDomainEvent) => {
    expect(parseVirshEventLine(line)).toEqual({ domain: dom, event, virDomainEvent });
  });

  it.each([
    `event 'lifecycle' for domain '${dom}': Started Booted`,
    `event 'lifecycle' for domain '${dom}': Resumed Unpaused`,
    `event 'lifecycle' for domain '${dom}': Defined Added`,
    `event 'lifecycle' for domain '${dom}': Suspended Paused`,
    `event 'reboot' for domain '${dom}'`,
    `event 'rtc-change' for domain '${dom}': 0`,
    `event 'io-error' for domain '${dom}': /dev/sdb (virtio-disk1) report due to enospc`,
    `event 'agent-lifecycle' for domain '${dom}': state: 'connected' reason: 'channel event'`,
    'events received: 12',
    '',
    'garbage',
  ])('ignores %j', (line) => {
    expect(parseVirshEventLine(line)).toBeUndefined();
  });

  it('keeps a domain named by its UUID as is', () => {
    const uuid = '5d2c8a6e-6f1b-4a57-9a2e-0c7c2f0a9b11';
    expect(parseVirshEventLine(`event 'lifecycle' for domain '${uuid}': Stopped Failed`)?.domain).toBe(uuid);
  });
});

describe('parseDomUuid', () => {
  it.each([
    ['5D2C8A6E-6F1B-4A57-9A2E-0C7C2F0A9B11\n\n', '5d2c8a6e-6f1b-4a57-9a2e-0c7c2f0a9b11'],
    ['error: failed to get domain\n', undefined],
    ['', undefined],
  ])('%j → %s', (stdout, uuid) => {
    expect(parseDomUuid(stdout)).toBe(uuid);
  });

  it('recognises UUIDs only', () => {
    expect([isUuid('instance-0000002a'), isUuid('5d2c8a6e-6f1b-4a57-9a2e-0c7c2f0a9b11')]).toEqual([
      false,
      true,
    ]);
  });
});
