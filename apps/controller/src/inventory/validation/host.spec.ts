import { ErrorCode, VigilError } from '@vigil/contracts';
import { parseHostCreate, parseHostUpdate } from './host';

const base = { name: 'cmp-01', type: 'COMPUTE', control_attributes: 'SSH' };

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof VigilError && err.code === ErrorCode.BAD_REQUEST) return err.message;
    throw err;
  }
  throw new Error('expected a 400');
}

describe('parseHostCreate', () => {
  it.each([
    ['defaults', base, { ...base, reserved: false, on_maintenance: false }],
    [
      'boolean-like strings',
      { ...base, reserved: 'yes', on_maintenance: 'off' },
      { ...base, reserved: true, on_maintenance: false },
    ],
    ['empty type', { ...base, type: '' }, { ...base, type: '', reserved: false, on_maintenance: false }],
  ])('accepts %s', (_case, host, expected) => {
    expect(parseHostCreate({ host })).toEqual(expected);
  });

  it.each([
    ['null type', { ...base, type: null }, "None is not of type 'string'"],
    ['null control_attributes', { ...base, control_attributes: null }, 'control_attributes'],
    ['type with a dash', { ...base, type: 'COM-PUTE' }, "does not match '^[a-zA-Z0-9]*$'"],
    ['missing control_attributes', { name: 'a', type: 'X' }, "'control_attributes' is a required property"],
    ['integer 1 as reserved', { ...base, reserved: 1 }, "1 is not of type 'boolean', 'string'"],
    ['unknown key', { ...base, failover_segment_id: 'x' }, "'failover_segment_id' was unexpected"],
    ['name with trailing space', { ...base, name: 'cmp ' }, "An invalid 'name' value"],
  ])('rejects %s', (_case, host, message) => {
    expect(rejection(() => parseHostCreate({ host }))).toContain(message);
  });
});

describe('parseHostUpdate', () => {
  it('keeps only the given fields, booleans normalised', () => {
    expect(parseHostUpdate({ host: { on_maintenance: 'False' } })).toEqual({ on_maintenance: false });
  });
  it.each([
    ['empty', {}, 'does not have enough properties'],
    ['null type', { type: null }, "None is not of type 'string'"],
  ])('rejects %s', (_case, host, message) => {
    expect(rejection(() => parseHostUpdate({ host }))).toContain(message);
  });
});
