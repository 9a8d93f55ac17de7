/** The update path the rig names for a board (`rollback.path`). */
import type { Board } from '../board.ts';
import { EspOtaPath } from './esp-ota-path.ts';
import type { UpdatePath } from './path.ts';
import { SmpPath } from './smp-path.ts';

export async function openUpdatePath(board: Board): Promise<UpdatePath> {
  const rollback = board.rollback;
  if (!rollback) throw board.failure('update path', 'rollback: in the rig', 'none');
  return rollback.path === 'smp' ? new SmpPath(board, rollback) : EspOtaPath.open(board);
}
