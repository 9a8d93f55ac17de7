/** The rollback suite's update path and the team's images (`rollback:` in the rig), as absolute paths. */
import type { BoardConfig } from '../config/schema.ts';
import { type BoardConnections, rigFile } from '../connections.ts';

export type RollbackFiles = NonNullable<BoardConfig['rollback']>;

export function rollbackFiles(connections: BoardConnections): RollbackFiles | undefined {
  const rollback = connections.config.rollback;
  if (!rollback) return undefined;
  const given = connections.endpoints?.update;
  const file = (key: 'current' | 'older' | 'newer' | 'key', value: string) =>
    rigFile(connections, value, given?.[key], `rollback.${key}`);
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
