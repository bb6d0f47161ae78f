import { sharedDiskGuardSchema } from '@vigil/config';
import { diskGuardStep, guardApplies, imageOf } from './shared-disk-guard';

const config = sharedDiskGuardSchema.parse({ enabled: true });
const held = {
  watchers: [{ address: '10.0.0.7:0/31', client: 4157 }],
  locks: [{ id: 'auto 1', locker: 'client.4157', address: '10.0.0.7:0/31' }],
};

describe('guardApplies', () => {
  it.each([
    [{ enabled: false }, { id: 's1' }, false],
    [{ enabled: true }, { id: 's1' }, true],
    [{ enabled: true, segments: ['ceph-rack'] }, { id: 's1', name: 'ceph-rack' }, true],
    [{ enabled: true, segments: ['s1'] }, { id: 's1' }, true],
    [{ enabled: true, segments: ['ceph-rack'] }, { id: 's2', name: 'local-disks' }, false],
  ])('%j in %j → %s', (over, segment, applies) => {
    expect(guardApplies(sharedDiskGuardSchema.parse(over), segment)).toBe(applies);
  });
});

describe('imageOf', () => {
  it('Nova ephemeral naming by default, the metadata when it names pool/image', () => {
    expect(imageOf(config, 'u-1', {})).toBe('vms/u-1_disk');
    expect(imageOf(config, 'u-1', { 'vigil:rbd-image': 'volumes/volume-9' })).toBe('volumes/volume-9');
    expect(imageOf(config, 'u-1', { 'vigil:rbd-image': 'no-pool' })).toBe('vms/u-1_disk');
  });
});

describe('diskGuardStep', () => {
  const base = { image: 'vms/u-1_disk', waitingSince: 1_000, waitMs: 10_000 };
  it('nobody holds it: go', () => {
    expect(diskGuardStep({ ...base, holders: { watchers: [], locks: [] }, now: 1_000 })).toEqual({
      kind: 'go',
    });
  });
  it('a watcher or a lock: wait, naming them', () => {
    expect(diskGuardStep({ ...base, holders: held, now: 4_000 })).toEqual({
      kind: 'wait',
      remainingMs: 7_000,
      why: 'RBD image vms/u-1_disk still held (watcher client.4157 at 10.0.0.7:0/31, lock auto 1 by client.4157 at 10.0.0.7:0/31)',
    });
    expect(diskGuardStep({ ...base, holders: { watchers: [], locks: held.locks }, now: 1_000 }).kind).toBe(
      'wait',
    );
  });
  it('still held after waitMs: timeout', () => {
    expect(diskGuardStep({ ...base, holders: held, now: 11_000 }).kind).toBe('timeout');
  });
});
