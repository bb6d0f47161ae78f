import { Writable } from 'node:stream';

/** Collects every log line a logger writes, so tests can assert that no secret ever appears. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }

  text(): string {
    return this.lines.join('\n');
  }

  /** Every line that contains one of the given strings. */
  linesContaining(...needles: string[]): string[] {
    return this.lines.filter((l) => needles.some((n) => n && l.includes(n)));
  }
}
