/**
 * report.html: one self-contained file, no script at all (its Content-Security-Policy allows none,
 * so device text that slipped through could not run either). A summary page for the whole run (run
 * metadata, the signature, the UK PSTI requirements, the devices under test, each board's provision
 * statuses, the IXIT items missing, the board x suite matrix), then a section per board, which starts
 * a page in the PDF (html-board.ts). Everything from the run folder goes through html().
 */
import { PSTI, STANDARD } from '../standards/en303645.ts';
import { IXIT } from '../standards/ts103701.ts';
import type { Certification } from './certification.ts';
import type { DeviceUnderTest } from './devices.ts';
import { boardSection, declarationText, deviceLines, statusText } from './html-board.ts';
import type { LabResult } from './lab.ts';
import { PROVISION_STATES, statusCounts } from './provision-status.ts';
import type { ConsoleTails, RunFolder } from './run-folder.ts';
import { signatureWords } from './signature.ts';
import { html } from './text.ts';

export interface HarnessInfo {
  version: string;
  commit: string;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}pre{white-space:pre-wrap;max-width:70em;margin:0;font-size:12px}
.pass{background:#dfd}.fail{background:#fcc}.skip{background:#eee}.inconclusive,.open{background:#ffd}h2{margin-top:2em}
ul.facts{margin:0;padding-left:1.2em}blockquote.excerpt{margin:.4em 0 0;border-left:3px solid #999;padding-left:.6em}
section.board{break-before:page}@media print{body{margin:0}details{display:block}details>*{display:block}}`;

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

/** The three PSTI requirements, per board: met, not met or open, and what shows it. */
function psti(cert: Certification): string {
  const notInPack = cert.declarations?.notInPack ?? [];
  const rows = PSTI.map((req, i) => {
    const cells = cert.boards
      .map((b) => {
        const s = b.psti[i]!;
        const shown = s.provisions
          .map(
            (p) =>
              `${html(p.provision)} ${html(statusText(p))}${p.checks.filter((c) => c.verdict).length ? `: ${p.checks.map((c) => `${html(c.check)} ${c.verdict ?? html(c.harnessState ?? '')}`).join(', ')}` : ''}${p.declaration ? `<br>${declarationText(p.declaration, notInPack)}` : ''}`,
          )
          .join('<br>');
        return `<td class="${s.state === 'met' ? 'pass' : s.state === 'not met' ? 'fail' : 'open'}"><b>${s.state}</b><br>${shown}</td>`;
      })
      .join('');
    return `<tr><td>${html(req.requirement)}</td><td>${req.provisions.join(', ')}</td>${cells}</tr>`;
  }).join('');
  return `<table id="psti"><tr><th>requirement</th><th>EN 303 645</th>${cert.boards.map((b) => `<th>${html(b.board)}</th>`).join('')}</tr>${rows}</table>`;
}

/** Per board: how many provisions have each status, and the IXIT items still missing. */
function coverage(cert: Certification): string {
  const rows = cert.boards
    .map((b) => {
      const counts = statusCounts(b.provisions);
      const missing = b.ixit.filter((x) => x.state === 'missing').map((x) => x.id);
      return `<tr><th><a href="#board-${html(b.board)}">${html(b.board)}</a></th>${PROVISION_STATES.map((s) => `<td>${counts[s]}${s === 'bench evidence' && counts.failed ? ` (${counts.failed} FAIL)` : ''}</td>`).join('')}<td>${missing.length ? html(missing.join(', ')) : 'none'}</td></tr>`;
    })
    .join('');
  return `<table id="coverage"><tr><th>board</th>${PROVISION_STATES.map((s) => `<th>${s}</th>`).join('')}<th>IXIT items missing (of ${IXIT.length})</th></tr>${rows}</table>`;
}

export function reportHtml(
  folder: RunFolder,
  lab: LabResult[],
  devices: DeviceUnderTest[],
  cert: Certification,
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
  meta.push(['assessed against', `${STANDARD}; test cases after ${cert.assessment}`]);
  const d = cert.declarations;
  meta.push([
    'declarations',
    d
      ? `${d.file}${d.product ? `, for ${d.product}` : ''}${d.manufacturer ? `, by ${d.manufacturer}` : ''}`
      : 'none (no declarations.yaml beside the rig): every provision no check decided is open',
  ]);
  meta.push([
    'signature',
    cert.signature === 'unsigned'
      ? 'unsigned: no lab key was given (--sign KEY, or lab.signing-key in the rig)'
      : signatureWords(cert.signature),
  ]);
  const banner = unreadable
    ? `<p class="inconclusive" id="summary-unreadable">summary.json unreadable: ${html(unreadable)}. The run's rig, seed, start and finish, and whether it completed, are unknown; the boards, suites and checks below are rebuilt from the TAP files.</p>`
    : run.complete
      ? ''
      : '<p class="inconclusive" id="incomplete">This run is incomplete: what is here is what it had.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>hil report ${html(run.id)}</title><style>${STYLE}</style></head><body>
<section id="summary"><h1>hil report: ${html(unreadable ? run.id : run.rig)}</h1>${banner}
<table id="meta">${meta.map(([k, v]) => `<tr><th>${k}</th><td>${html(v!)}</td></tr>`).join('')}</table>
<h2>UK PSTI requirements</h2>${psti(cert)}
<h2>Devices under test</h2><table id="devices">${devices.map((dev) => `<tr><th>${html(dev.board)}</th><td>${deviceLines(dev)}</td></tr>`).join('')}</table>
<h2>Provisions per board</h2>${coverage(cert)}
<h2>Boards and suites</h2>${matrix(folder)}
</section>
${cert.boards
  .map((b) =>
    boardSection(
      folder,
      b,
      devices.find((dev) => dev.board === b.board),
      lab,
      tails,
      d?.notInPack ?? [],
    ),
  )
  .join('\n')}
</body></html>
`;
}
