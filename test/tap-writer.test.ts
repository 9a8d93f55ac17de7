// A suite's TAP stream, written without node-tap: what tap-parser (the runner, the reports) reads
// back must be what the suite reported, whatever bytes a device put in the evidence.
import t from 'tap';
import { Parser } from 'tap-parser';
import { TapWriter } from '../harness/util/tap-writer.ts';

t.test('points, skips, comments and the plan read back through tap-parser', async (t) => {
  let text = '';
  const tap = new TapWriter((chunk) => {
    text += chunk;
  });
  const hostile = 'line one\nline two # not a directive\x1b[2J\x00 ...\n  ---';
  tap.comment('seed 7');
  tap.point(true, 'a title with # and \\ in it', { id: 's/a', provisions: ['5.6-4'], evidence: { seen: hostile } });
  tap.point(false, 'skipped', { id: 's/b', provisions: [] }, 'no power\ncontrol');
  tap.point(false, 'could not test', { id: 's/c', provisions: [], inconclusive: true, cause: 'cable out' });
  tap.end();
  t.equal(process.exitCode, 1, 'a failed point (the inconclusive one) exits 1, as node-tap does');
  process.exitCode = 0;
  t.match(text, /^TAP version 14\n/, 'the version line first');

  const points: { ok: boolean; name: string; skip: unknown; diag: Record<string, unknown> }[] = [];
  const parser = new Parser();
  parser.on('assert', (p) => points.push(p));
  const done = new Promise<{ ok: boolean; count: number; plan: { end: number } }>((resolve) =>
    parser.on('complete', resolve),
  );
  parser.end(text);
  const result = await done;
  t.equal(result.count, 3);
  t.equal(result.plan.end, 3);
  t.equal(points[0]!.name, 'a title with # and \\ in it');
  t.same(points[0]!.diag, { id: 's/a', provisions: ['5.6-4'], evidence: { seen: hostile } }, 'evidence intact');
  t.equal(points[1]!.skip, 'no power control', 'a skip keeps its reason, on one line');
  t.equal(points[1]!.ok, false);
  t.match(points[2]!.diag, { inconclusive: true, cause: 'cable out' });
});
