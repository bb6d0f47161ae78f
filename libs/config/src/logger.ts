import pino, { type Logger } from 'pino';
import { type LogConfig } from './schema';

/**
 * Secrets never reach a log line. Two nets: any field whose name says it holds a secret is replaced
 * (at any depth), and any string containing a value registered with `registerSecret` (tokens we were
 * issued, passwords we were given) has it masked, so a secret quoted inside an error message is caught too.
 */
const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|cookie|encryption[-_]?key|credential/i;
export const REDACTED = '[redacted]';

const knownSecrets = new Set<string>();

/** Marks a value as secret for every logger of this process. Values shorter than 4 characters are ignored. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) knownSecrets.add(value);
}

export function forgetSecret(value: string): void {
  knownSecrets.delete(value);
}

export function maskSecrets(text: string): string {
  let out = text;
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

export function redactDeep(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[too deep]';
  if (typeof value === 'string') return maskSecrets(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  if (value instanceof Error) {
    return {
      type: value.name,
      message: maskSecrets(value.message),
      code: (value as { code?: unknown }).code,
      stack: value.stack ? maskSecrets(value.stack) : undefined,
    };
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        SECRET_KEY.test(k) && v !== undefined && v !== null && v !== '' ? REDACTED : redactDeep(v, depth + 1);
    }
    return out;
  }
  return value;
}

export interface LoggerOptions extends Partial<LogConfig> {
  name: string;
  /** Where lines go; default stdout. Tests pass a stream to capture them. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? 'info';
  const base = {
    name: options.name,
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      log: (obj: Record<string, unknown>) => redactDeep(obj) as Record<string, unknown>,
    },
    hooks: {
      // The message string is outside `formatters.log`; mask it here.
      logMethod(this: Logger, args: Parameters<pino.LogFn>, method: pino.LogFn) {
        const masked = args.map((a: unknown) => (typeof a === 'string' ? maskSecrets(a) : a));
        return method.apply(this, masked as Parameters<pino.LogFn>);
      },
    },
  } satisfies pino.LoggerOptions;
  if (options.destination) return pino(base, options.destination);
  if (options.format === 'pretty') {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino(base);
}

export type { Logger };
