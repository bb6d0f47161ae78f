import { z } from 'zod';
import { ErrorCode, VigilError } from '@vigil/contracts';

/**
 * Building blocks that reproduce Masakari's JSON-schema validation (masakari/api/validation) on zod,
 * including its error texts, because clients and scripts show those texts to operators.
 */

/** A leaf check: `undefined` when valid, else jsonschema's reason ("5 is not of type 'string'"). */
export type Check = (value: unknown) => string | undefined;

/**
 * Deeper than this, `pyRepr` prints `[...]` / `{...}`: hostile bodies nest thousands of levels and the
 * message is built recursively (an unbounded recursion overflowed the stack and answered 500).
 */
const REPR_MAX_DEPTH = 32;

/** Python's `repr`, which is what jsonschema quotes in its messages. */
export function pyRepr(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value))
    return depth >= REPR_MAX_DEPTH ? '[...]' : `[${value.map((v) => pyRepr(v, depth + 1)).join(', ')}]`;
  if (typeof value === 'object')
    return depth >= REPR_MAX_DEPTH
      ? '{...}'
      : `{${Object.entries(value)
          .map(([k, v]) => `'${k}': ${pyRepr(v, depth + 1)}`)
          .join(', ')}}`;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return typeof value;
}

/** Python's `str`: strings bare, everything else as repr. */
const pyStr = (value: unknown): string => (typeof value === 'string' ? value : pyRepr(value));

/** Reasons that Masakari reports verbatim, without the "Invalid input for field/attribute" wrapper. */
const BARE = '\u0000bare:';
export const bare = (message: string): string => `${BARE}${message}`;

export const NAME_FORMAT_MESSAGE =
  "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.";

export function fieldMessage(field: string, value: unknown, reason: string): string {
  if (reason.startsWith(BARE)) return reason.slice(BARE.length);
  return `Invalid input for field/attribute ${field}. Value: ${pyStr(value)}. ${reason}`;
}

/** A required-or-not leaf validated by `check`, reporting Masakari's text. */
export function field<T>(name: string, check: Check): z.ZodType<T> {
  return z.custom<T>((v) => v !== undefined && check(v) === undefined, {
    error: (issue) =>
      issue.input === undefined
        ? bare(`'${name}' is a required property`)
        : fieldMessage(name, issue.input, check(issue.input) ?? 'is invalid'),
  });
}

const typeName = (v: unknown): string => pyRepr(v);

export const checkString =
  (opts: { min?: number; max?: number; pattern?: RegExp; nullable?: boolean } = {}): Check =>
  (v) => {
    if (v === null && opts.nullable) return undefined;
    if (typeof v !== 'string')
      return `${typeName(v)} is not of type ${opts.nullable ? "'string', 'null'" : "'string'"}`;
    const length = [...v].length;
    if (opts.min !== undefined && length < opts.min)
      return opts.min === 1 ? `'${v}' should be non-empty` : `'${v}' is too short`;
    if (opts.max !== undefined && length > opts.max) return `'${v}' is too long`;
    if (opts.pattern && !opts.pattern.test(v)) return `'${v}' does not match '${opts.pattern.source}'`;
    return undefined;
  };

// Masakari's valid_name_regex: printable characters (letters, marks, numbers, punctuation, symbols,
// spaces), no whitespace at either end.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]*$/u;
const EDGE_WHITESPACE = /^\s|\s$/u;

export function isValidName(v: string): boolean {
  return PRINTABLE.test(v) && !EDGE_WHITESPACE.test(v);
}

/** parameter_types.name: string 1–255 with the "name" format. */
export const checkName: Check = (v) => {
  const basic = checkString({ min: 1, max: 255 })(v);
  if (basic) return basic;
  return isValidName(v as string) ? undefined : bare(NAME_FORMAT_MESSAGE);
};

/** parameter_types.boolean: JSON booleans and these exact strings (the integer 1 is rejected). */
export const BOOLEAN_STRINGS = {
  true: ['True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes'],
  false: ['False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'],
} as const;
const ALL_BOOLEAN_STRINGS: readonly string[] = [...BOOLEAN_STRINGS.true, ...BOOLEAN_STRINGS.false];

export const checkBooleanLike: Check = (v) => {
  if (typeof v === 'boolean') return undefined;
  if (typeof v !== 'string') return `${typeName(v)} is not of type 'boolean', 'string'`;
  if (ALL_BOOLEAN_STRINGS.includes(v)) return undefined;
  return `${pyRepr(v)} is not one of [True, ${BOOLEAN_STRINGS.true.map((x) => pyRepr(x)).join(', ')}, False, ${BOOLEAN_STRINGS.false.map((x) => pyRepr(x)).join(', ')}]`;
};

/** A validated boolean-like value as a real boolean. */
export function toBoolean(v: boolean | string): boolean {
  return typeof v === 'boolean' ? v : (BOOLEAN_STRINGS.true as readonly string[]).includes(v);
}

export const checkEnum =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v)
      ? undefined
      : `${pyRepr(v)} is not one of [${values.map((x) => pyRepr(x)).join(', ')}]`;

/** Name of the request body in `strictObject`. */
export const ROOT = 'request body';

/** An object schema with jsonschema's `additionalProperties: false` and `type: object` texts. */
export function strictObject<S extends z.core.$ZodLooseShape>(
  name: string,
  shape: S,
  opts: { minProperties?: number } = {},
): z.ZodType<z.infer<z.ZodObject<S>>> {
  const object = z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => `'${k}'`).join(', ');
        return bare(
          `Additional properties are not allowed (${keys} ${issue.keys.length > 1 ? 'were' : 'was'} unexpected)`,
        );
      }
      // The body itself has no field name: jsonschema reports just the type error there.
      if (name === ROOT) return bare(`${pyRepr(issue.input)} is not of type 'object'`);
      if (issue.input === undefined) return bare(`'${name}' is a required property`);
      return fieldMessage(name, issue.input, `${pyRepr(issue.input)} is not of type 'object'`);
    },
  });
  const min = opts.minProperties;
  if (min === undefined) return object;
  return object.check(
    z.refine((v: object) => Object.keys(v).length >= min, {
      error: (issue) =>
        fieldMessage(name, issue.input, `${pyRepr(issue.input)} does not have enough properties`),
    }),
  );
}

/** Parses `body` with `schema`; the first problem becomes a 400 with Masakari's text. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw invalidInput(result.error.issues[0]?.message ?? 'The request body is invalid.');
}

export function invalidInput(message: string): VigilError {
  return new VigilError(
    ErrorCode.BAD_REQUEST,
    message.startsWith(BARE) ? message.slice(BARE.length) : message,
  );
}
