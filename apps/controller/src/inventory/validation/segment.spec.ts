import { ErrorCode, VigilError } from '@vigil/contracts';
import { parseSegmentCreate, parseSegmentUpdate } from './segment';

const base = { name: 'rack-a', recovery_method: 'auto', service_type: 'COMPUTE' };
const body = (segment: Record<string, unknown>) => ({ segment });

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof VigilError && err.code === ErrorCode.BAD_REQUEST) return err.message;
    throw err;
  }
  throw new Error('expected a 400');
}

describe('parseSegmentCreate', () => {
  it.each([
    ['minimal', base, 0, { ...base, description: null, enabled: true }],
    [
      'description with newline',
      { ...base, description: 'a\nb' },
      0,
      { ...base, description: 'a\nb', enabled: true },
    ],
    ['enabled "no" at 1.2', { ...base, enabled: 'no' }, 2, { ...base, description: null, enabled: false }],
    ['enabled "yes" at 1.2', { ...base, enabled: 'yes' }, 2, { ...base, description: null, enabled: true }],
    ['enabled false at 1.3', { ...base, enabled: false }, 3, { ...base, description: null, enabled: false }],
    ['enabled "0" at 1.2', { ...base, enabled: '0' }, 2, { ...base, description: null, enabled: false }],
    [
      'unicode name',
      { ...base, name: 'réseau é' },
      0,
      { ...base, name: 'réseau é', description: null, enabled: true },
    ],
  ])('accepts %s', (_case, segment, minor, expected) => {
    expect(parseSegmentCreate(body(segment), minor)).toEqual(expected);
  });

  it.each([
    [
      'enabled below 1.2',
      { ...base, enabled: true },
      1,
      "Additional properties are not allowed ('enabled' was unexpected)",
    ],
    ['integer 1 as enabled', { ...base, enabled: 1 }, 2, "1 is not of type 'boolean', 'string'"],
    ['"maybe" as enabled', { ...base, enabled: 'maybe' }, 2, "'maybe' is not one of"],
    ['missing name', { recovery_method: 'auto', service_type: 'C' }, 0, "'name' is a required property"],
    ['empty name', { ...base, name: '' }, 0, 'Invalid input for field/attribute name'],
    ['256-char name', { ...base, name: 'x'.repeat(256) }, 0, 'is too long'],
    ['leading space', { ...base, name: ' a' }, 0, "An invalid 'name' value was provided"],
    ['trailing space', { ...base, name: 'a ' }, 0, 'Can not start or end with whitespace'],
    ['control char', { ...base, name: 'a\u0007b' }, 0, 'printable characters'],
    [
      'bad recovery_method',
      { ...base, recovery_method: 'magic' },
      0,
      "'magic' is not one of ['auto', 'reserved_host', 'auto_priority', 'rh_priority']",
    ],
    [
      'name not a string',
      { ...base, name: 5 },
      0,
      "Invalid input for field/attribute name. Value: 5. 5 is not of type 'string'",
    ],
    [
      'unknown inner key',
      { ...base, color: 'red' },
      0,
      "Additional properties are not allowed ('color' was unexpected)",
    ],
    ['service_type with trailing space', { ...base, service_type: 'C ' }, 0, "An invalid 'name' value"],
  ])('rejects %s', (_case, segment, minor, message) => {
    expect(rejection(() => parseSegmentCreate(body(segment), minor))).toContain(message);
  });

  it.each([
    ['no body', undefined, "None is not of type 'object'"],
    ['no segment key', {}, "'segment' is a required property"],
    [
      'unknown outer key',
      { segment: base, extra: 1 },
      "Additional properties are not allowed ('extra' was unexpected)",
    ],
    ['segment not an object', { segment: 'x' }, "is not of type 'object'"],
  ])('rejects envelope: %s', (_case, raw, message) => {
    expect(rejection(() => parseSegmentCreate(raw, 0))).toContain(message);
  });
});

describe('parseSegmentUpdate', () => {
  it.each([
    ['one field', { description: null }, 0, { description: null }],
    ['enabled at 1.2', { enabled: 'False' }, 2, { enabled: false }],
  ])('accepts %s', (_case, segment, minor, expected) => {
    expect(parseSegmentUpdate(body(segment), minor)).toEqual(expected);
  });

  it.each([
    ['empty update', {}, 0, 'does not have enough properties'],
    ['enabled at 1.1', { enabled: true }, 1, "'enabled' was unexpected"],
  ])('rejects %s', (_case, segment, minor, message) => {
    expect(rejection(() => parseSegmentUpdate(body(segment), minor))).toContain(message);
  });
});
