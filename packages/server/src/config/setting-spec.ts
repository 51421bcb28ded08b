import { TocsinError } from '../core/errors.js';

/** One setting: its environment variable, its `tocsin start` flag, and the help line that shows its default. */
export interface SettingSpec {
  env: string;
  flag: string;
  help: string;
}

/** The error of a setting's bad value, naming the variable and the flag. */
export function bad(spec: SettingSpec, message: string): TocsinError {
  return new TocsinError('bad_request', `${spec.env} (--${spec.flag}): ${message}`);
}
