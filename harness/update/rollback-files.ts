/** The rollback suite's update path and the team's images (`rollback:` in the rig), as absolute paths. */
import type { BoardConfig } from '../config/schema.ts';
import { type ResolvedWiring, rigFile } from '../wiring.ts';

export type RollbackFiles = NonNullable<BoardConfig['rollback']>;

export function rollbackFiles(wiring: ResolvedWiring): RollbackFiles | undefined {
  const rollback = wiring.config.rollback;
  if (!rollback) return undefined;
  const given = wiring.endpoints?.update;
  const file = (key: 'current' | 'older' | 'newer' | 'key', value: string) =>
    rigFile(wiring, value, given?.[key], `rollback.${key}`);
  const optional = (key: 'older' | 'newer' | 'key') => {
    const value = rollback[key];
    return value === undefined ? {} : { [key]: file(key, value) };
  };
  return {
    ...rollback,
    current: file('current', rollback.current),
    ...optional('older'),
    ...optional('newer'),
    ...optional('key'),
  };
}
