// Operator commands: they open the data dir (and may build the app in-process), so they run on the
// desk's own machine. Loaded lazily by cli/index.ts, so the staff commands never load server code.
import type { Command } from '../staff/io';
import { auditVerifyCommand } from './audit-verify';
import { backupCommand, restoreCommand } from './backup';
import { retentionCommand } from './retention';
import { operatorSetupCommand } from './setup';

export const OPERATOR_COMMANDS: Record<string, Command> = {
  backup: backupCommand,
  restore: restoreCommand,
  retention: retentionCommand,
  'audit-verify': auditVerifyCommand,
  setup: operatorSetupCommand,
};
