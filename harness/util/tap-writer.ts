/**
 * A suite's TAP 14 stream (testanything.org, "TAP version 14"): the version line first, a point per
 * check with its YAML diagnostic block (id, provisions, evidence), comments, and the plan at the end.
 * Written here rather than through node-tap, whose loading cost every suite process about 0.25 s for
 * the two calls a suite makes; what reads the stream (the runner, the reports, `hil replay`) parses it
 * with tap-parser, as before. The process exits 1 when a point failed (an inconclusive one included),
 * as node-tap's does.
 */
import { stringify } from 'yaml';

export class TapWriter {
  private points = 0;
  private failed = 0;

  constructor(private readonly write: (text: string) => void = (text) => void process.stdout.write(text)) {
    this.write('TAP version 14\n');
  }

  /** One check. A skip is a point with the SKIP directive and its reason; it is not a failure. */
  point(ok: boolean, title: string, diagnostic: Record<string, unknown>, skip?: string): void {
    this.points++;
    if (!ok && skip === undefined) this.failed++;
    const directive = skip === undefined ? '' : ` # SKIP ${oneLine(skip)}`;
    const yaml = stringify(diagnostic, { lineWidth: 0 }).trimEnd().replace(/^/gm, '  ');
    this.write(`${ok ? 'ok' : 'not ok'} ${this.points} - ${description(title)}${directive}\n  ---\n${yaml}\n  ...\n\n`);
  }

  comment(text: string): void {
    this.write(
      `${text
        .split('\n')
        .map((line) => `# ${line}`)
        .join('\n')}\n`,
    );
  }

  /** The plan, after the last point; sets the exit code. */
  end(): void {
    this.write(`1..${this.points}\n`);
    process.exitCode = this.failed > 0 ? 1 : 0;
  }
}

/** TAP 14: a description holds no newline, and `#` (a directive's start) and `\` are escaped. */
const description = (text: string) => oneLine(text).replace(/[\\#]/g, (c) => `\\${c}`);
const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ');
