/**
 * A fuzz campaign's coverage as two small inline SVG plots (blocks reached over seconds, and over
 * cases), for report.html and the PDF. Only numbers reach the SVG, each checked finite and clamped: a
 * run folder's evidence is not trusted to be well-formed.
 */
const WIDTH = 240;
const HEIGHT = 80;
const MAX_POINTS = 500;

interface Point {
  x: number;
  blocks: number;
}

const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

function plot(points: Point[], total: number, axis: string): string {
  const maxX = Math.max(1, ...points.map((p) => p.x));
  const coords = points
    .map(
      (p) =>
        `${((p.x / maxX) * WIDTH).toFixed(1)},${(HEIGHT - (Math.min(p.blocks, total) / total) * HEIGHT).toFixed(1)}`,
    )
    .join(' ');
  return `<svg class="coverage" width="${WIDTH + 70}" height="${HEIGHT + 30}" viewBox="-40 -10 ${WIDTH + 70} ${HEIGHT + 30}" role="img"><rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="none" stroke="#999"/><polyline points="${coords}" fill="none" stroke="#06c" stroke-width="1.5"/><text x="-4" y="8" font-size="9" text-anchor="end">${total}</text><text x="-4" y="${HEIGHT}" font-size="9" text-anchor="end">0</text><text x="${WIDTH}" y="${HEIGHT + 12}" font-size="9" text-anchor="end">${Math.round(maxX)} ${axis}</text><text x="0" y="${HEIGHT + 12}" font-size="9">blocks over ${axis}</text></svg>`;
}

/** The plots for a check's `coverage` evidence, or '' when it has no timeline. */
export function coveragePlots(coverage: unknown): string {
  if (!coverage || typeof coverage !== 'object') return '';
  const { timeline, blocks } = coverage as { timeline?: unknown; blocks?: unknown };
  const total = finite(blocks);
  if (!total || !Array.isArray(timeline)) return '';
  const points = timeline
    .slice(0, MAX_POINTS)
    .map((p: { case?: unknown; seconds?: unknown; blocks?: unknown }) => ({
      seconds: finite(p?.seconds),
      cases: finite((p?.case as number) + 1),
      blocks: finite(p?.blocks),
    }))
    .filter((p) => p.seconds !== undefined && p.cases !== undefined && p.blocks !== undefined);
  if (points.length < 2) return '';
  return `<div class="coverage-plots">${plot(
    points.map((p) => ({ x: p.seconds!, blocks: p.blocks! })),
    total,
    'seconds',
  )}${plot(
    points.map((p) => ({ x: p.cases!, blocks: p.blocks! })),
    total,
    'cases',
  )}</div>`;
}
