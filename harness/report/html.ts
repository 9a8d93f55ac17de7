/**
 * report.html: one self-contained file, no script at all (its Content-Security-Policy allows none,
 * so device text that slipped through could not run either): run metadata, the devices under test
 * (the firmware each board ran, the build put there), the UK PSTI requirements,
 * a board x suite matrix, the provisions view (each EN 303 645 provision and CoP guideline with the
 * checks that give evidence for it), and every check with its verdict, TS 103 701 test cases, evidence
 * and, per suite, the console's last lines. Everything from the run folder goes through html().
 */
import { rerunCommand, worthRerunning } from './rerun.ts';
import { describeFirmware } from '../firmware-seen.ts';
import type { Verdict } from '../verdict.ts';
import { type DeviceUnderTest, describeDevice } from './devices.ts';
import { CLAUSES, clauseOf, type LabResult, PSTI } from './lab.ts';
import type { ConsoleTails, RunFolder } from './run-folder.ts';
import { html } from './text.ts';

export interface HarnessInfo {
  version: string;
  commit: string;
}

const VERDICT_TEXT: Record<Verdict, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  skip: 'skipped',
  inconclusive: 'could not test',
};

const STYLE = `body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}pre{white-space:pre-wrap;max-width:70em;margin:0;font-size:12px}
.pass{background:#dfd}.fail{background:#fcc}.skip{background:#eee}.inconclusive{background:#ffd}h2{margin-top:2em}`;

/** A `hil replay FILE` command anywhere in a check's evidence (fuzz findings carry one). */
function replayCommand(value: unknown): string | undefined {
  if (typeof value === 'string') return value.startsWith('hil replay ') ? value : undefined;
  if (value && typeof value === 'object')
    for (const v of Object.values(value)) {
      const found = replayCommand(v);
      if (found) return found;
    }
  return undefined;
}

function matrix(folder: RunFolder): string {
  const boards = [...new Set(folder.results.map((r) => r.board))];
  const suites = [...new Set(folder.results.map((r) => r.suite))];
  const cell = (board: string, suite: string) => {
    const r = folder.results.find((x) => x.board === board && x.suite === suite);
    if (!r) return '<td>not run</td>';
    const worst = r.fail ? 'fail' : r.inconclusive || r.error ? 'inconclusive' : r.pass ? 'pass' : 'skip';
    return `<td class="${worst}">${r.pass} pass, ${r.fail} fail, ${r.skip} skip, ${r.inconclusive} could not test${r.error ? `<br>${html(r.error)}` : ''}</td>`;
  };
  return `<table id="matrix"><tr><th>board</th>${suites.map((s) => `<th>${html(s)}</th>`).join('')}</tr>${boards
    .map((b) => `<tr><th>${html(b)}</th>${suites.map((s) => cell(b, s)).join('')}</tr>`)
    .join('')}</table>`;
}

function provisions(lab: LabResult[]): string {
  const byProvision = new Map<string, LabResult[]>();
  for (const r of lab)
    for (const tc of r.testCases) {
      const p = tc.replace(/-2[a-z]$/, '');
      byProvision.set(p, [...(byProvision.get(p) ?? []), r]);
    }
  const sorted = [...byProvision.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const verdicts = (rs: LabResult[]) =>
    rs.map((r) => `${html(r.board)} ${html(r.check)}: ${r.verdict ?? html(r.harnessState ?? '')}`).join('<br>');
  const psti = PSTI.map((req) => {
    const rs = req.provisions.flatMap((p) => byProvision.get(p) ?? []);
    return `<tr><td>${html(req.requirement)}</td><td>${req.provisions.join(', ')}</td><td>${rs.length ? verdicts(rs) : req.bench ? 'no check in this run (default-credentials)' : 'a documentation check: no bench evidence'}</td></tr>`;
  }).join('');
  const rows = sorted
    .map((p) => {
      const clause = clauseOf(p);
      const guideline = clause.split('.')[1];
      return `<tr><td>${html(p)}</td><td>${html(CLAUSES[clause] ?? '')} (CoP guideline ${guideline})</td><td>${verdicts(byProvision.get(p)!)}</td></tr>`;
    })
    .join('');
  return `<h2>UK PSTI requirements</h2><table id="psti"><tr><th>requirement</th><th>EN 303 645</th><th>checks</th></tr>${psti}</table>
<h2>Provisions (ETSI EN 303 645 V2.1.1, UK Code of Practice)</h2><table id="provisions"><tr><th>provision</th><th>clause</th><th>checks and verdicts</th></tr>${rows}</table>`;
}

/** Each board's device under test, as a block of lines: what it ran, what was put there. */
const deviceLines = (device: DeviceUnderTest) => describeDevice(device).map(html).join('<br>');

function checks(folder: RunFolder, lab: LabResult[], tails: ConsoleTails, devices: DeviceUnderTest[]): string {
  return folder.results
    .map((r, i) => {
      const device = folder.results[i - 1]?.board === r.board ? undefined : devices.find((d) => d.board === r.board);
      const rows = r.checks
        .map((c) => {
          const l = lab.find((x) => x.board === r.board && x.suite === r.suite && x.check === c.id);
          const replay = replayCommand(c.evidence);
          const again = worthRerunning(c.verdict) ? rerunCommand(folder.summary, r.board, c.id) : undefined;
          return `<tr class="check ${c.verdict}"><td>${html(c.id)}</td><td>${html(c.title)}</td><td>${VERDICT_TEXT[c.verdict]}${c.reason ? `<br>${html(c.reason)}` : ''}</td><td>${html((l?.testCases ?? []).join(' '))}<br>${(l?.ixit ?? []).map((x) => `IXIT ${html(x.id)}: ${html(x.items.join('; ') || 'none named')}`).join('<br>')}</td><td><pre>${html(JSON.stringify(c.evidence, null, 2))}</pre>${replay ? `<p>reproduce: <code>${html(replay)}</code></p>` : ''}${again ? `<p>run again: <code>${html(again)}</code></p>` : ''}</td></tr>`;
        })
        .join('');
      const tail = tails.get(r.console) ?? [];
      const heading = device
        ? `<h3 class="board">Board ${html(r.board)}</h3><p class="device">${deviceLines(device)}</p>\n`
        : '';
      return `${heading}<h4>${html(r.board)} / ${html(r.suite)}</h4><p class="firmware">firmware: ${html(describeFirmware(r.firmware))}</p>${r.error ? `<p class="inconclusive">${html(r.error)}</p>` : ''}
<table><tr><th>check</th><th>title</th><th>verdict</th><th>TS 103 701 cases, IXIT</th><th>evidence</th></tr>${rows}</table>
<details><summary>console, last lines (${html(r.console)})</summary><pre>${html(tail.join('\n'))}</pre></details>`;
    })
    .join('\n');
}

export function reportHtml(
  folder: RunFolder,
  lab: LabResult[],
  devices: DeviceUnderTest[],
  harness: HarnessInfo,
  tails: ConsoleTails,
): string {
  const run = folder.summary.run;
  const unreadable = folder.summaryUnreadable;
  const unknown = 'unknown (summary.json unreadable)';
  const meta = unreadable
    ? [['run', run.id], ...['rig', 'seed', 'started', 'finished', 'complete'].map((k) => [k, unknown])]
    : [
        ['run', run.id],
        ['rig', run.rig],
        ['seed', String(run.seed)],
        ['started', run.started],
        ['finished', run.finished ?? 'not finished'],
        ['complete', run.complete ? 'yes' : `no${run.interrupted ? ` (interrupted: ${run.interrupted})` : ''}`],
      ];
  meta.push(['harness', `hil ${harness.version}, commit ${harness.commit}`]);
  const banner = unreadable
    ? `<p class="inconclusive" id="summary-unreadable">summary.json unreadable: ${html(unreadable)}. The run's rig, seed, start and finish, and whether it completed, are unknown; the boards, suites and checks below are rebuilt from the TAP files.</p>`
    : run.complete
      ? ''
      : '<p class="inconclusive" id="incomplete">This run is incomplete: what is here is what it had.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>hil report ${html(run.id)}</title><style>${STYLE}</style></head><body>
<h1>hil report: ${html(unreadable ? run.id : run.rig)}</h1>${banner}
<table id="meta">${meta.map(([k, v]) => `<tr><th>${k}</th><td>${html(v!)}</td></tr>`).join('')}</table>
<h2>Devices under test</h2><table id="devices">${devices.map((d) => `<tr><th>${html(d.board)}</th><td>${deviceLines(d)}</td></tr>`).join('')}</table>
<h2>Boards and suites</h2>${matrix(folder)}
${provisions(lab)}
<h2>Checks</h2>
${checks(folder, lab, tails, devices)}
</body></html>
`;
}
