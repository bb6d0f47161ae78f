import { isVigilError } from '@vigil/contracts';
import { runCli } from './run';

runCli(process.argv.slice(2), process.env, (s) => process.stdout.write(s)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`vigil: ${isVigilError(err) || err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
