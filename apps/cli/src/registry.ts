import { CHECK_COMMANDS } from './check';
import { type Command, COMMANDS } from './commands';
import { ENROL_COMMANDS } from './enrol';
import { OPERATOR_COMMANDS } from './operator-commands';

/** Every command by its name (`host enrol` is two words); each group lives in its own file. */
export const ALL_COMMANDS: Record<string, Command> = {
  ...COMMANDS,
  ...OPERATOR_COMMANDS,
  ...ENROL_COMMANDS,
  ...CHECK_COMMANDS,
};
