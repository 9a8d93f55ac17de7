/**
 * One board's part of report.html, which starts a page in the PDF: the device under test, every
 * EN 303 645 provision with its status and what shows it, the IXIT items, then each suite's checks with
 * their evidence in words and the console's last lines. Everything from the run folder goes through html().
 */
import type { Answer } from '../config/declarations.ts';
import { describeFirmware } from '../firmware-seen.ts';
import { STANDARD } from '../standards/en303645.ts';
import type { Verdict } from '../verdict.ts';
import type { BoardCertification } from './certification.ts';
import { coveragePlots } from './coverage-plot.ts';
import { DOCUMENTS_DIR, isUrl } from './declared-documents.ts';
import { type DeviceUnderTest, describeDevice } from './devices.ts';
import { evidenceText } from './evidence-text.ts';
import type { IxitStatus } from './ixit.ts';
import type { LabResult } from './lab.ts';
import type { ProvisionStatus } from './provision-status.ts';
import { rerunCommand, worthRerunning } from './rerun.ts';
import type { ConsoleTails, RunFolder } from './run-folder.ts';
import { html } from './text.ts';

export const VERDICT_TEXT: Record<Verdict, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  skip: 'skipped',
  inconclusive: 'could not test',
};

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

/** Each board's device under test, as a block of lines: what it ran, what was put there. */
export const deviceLines = (device: DeviceUnderTest) => describeDevice(device).map(html).join('<br>');

/**
 * A declared document: a link to the URL, or to its copy in the pack (declared-documents/), or its
 * path and why it is not in the pack (`notInPack`: `<document>: <why>`).
 */
function documentLink(document: string, notInPack: readonly string[]): string {
  if (isUrl(document)) return `<a href="${html(document)}">${html(document)}</a>`;
  const refused = notInPack.find((r) => r.startsWith(`${document}: `));
  if (refused) return `${html(document)} (not in this pack: ${html(refused.slice(document.length + 2))})`;
  return `<a href="${html(`${DOCUMENTS_DIR}/${document}`)}">${html(document)}</a> (in this pack)`;
}

export function declarationText(answer: Answer, notInPack: readonly string[]): string {
  const said = answer.declared
    ? `declared: ${html(answer.declared)}`
    : `declared not applicable: ${html(answer['not-applicable'] ?? '')}`;
  return `${said}${answer.document ? `<br>document: ${documentLink(answer.document, notInPack)}` : ''}`;
}

/** A provision's status cell class: bench evidence shows its outcome. */
export const statusClass = (s: ProvisionStatus) =>
  s.status === 'bench evidence' ? (s.outcome === 'FAIL' ? 'fail' : 'pass') : s.status === 'open' ? 'open' : 'skip';

export const statusText = (s: ProvisionStatus) => (s.outcome ? `${s.status}: ${s.outcome}` : s.status);

function provisionRows(statuses: ProvisionStatus[], notInPack: readonly string[]): string {
  return statuses
    .map((s) => {
      const checks = s.checks
        .map((c) => `${html(c.testCase)} ${html(c.check)}: ${c.verdict ?? html(c.harnessState ?? '')}`)
        .join('<br>');
      const shown = [checks, s.declaration ? declarationText(s.declaration, notInPack) : '']
        .filter(Boolean)
        .join('<br>');
      return `<tr class="provision" data-status="${html(s.status)}"><td>${html(s.provision)}</td><td>${s.modal}</td><td>${html(s.label)}${s.condition ? `<br><small>applies where ${html(s.condition)}</small>` : ''}</td><td class="${statusClass(s)}">${html(statusText(s))}</td><td>${shown || 'no check, no declaration'}</td></tr>`;
    })
    .join('');
}

function ixitRows(items: IxitStatus[], notInPack: readonly string[]): string {
  return items
    .map(
      (x) =>
        `<tr class="ixit" data-state="${html(x.state)}"><td>${html(x.id)}</td><td>${html(x.name)}</td><td class="${x.state === 'missing' ? 'open' : x.state === 'not needed' ? 'skip' : 'pass'}">${html(x.state)}</td><td>${[x.fromRun.map(html).join('<br>'), x.declaration ? declarationText(x.declaration, notInPack) : ''].filter(Boolean).join('<br>')}</td></tr>`,
    )
    .join('');
}

function evidenceCell(evidence: Record<string, unknown>): string {
  const { facts, excerpt } = evidenceText(evidence);
  const list = facts.length ? `<ul class="facts">${facts.map((f) => `<li>${html(f)}</li>`).join('')}</ul>` : '';
  const quoted = excerpt.length
    ? `<blockquote class="excerpt"><pre>${html(excerpt.join('\n'))}</pre></blockquote>`
    : '';
  return list + quoted + coveragePlots(evidence.coverage);
}

function suiteChecks(folder: RunFolder, result: RunFolder['results'][number], lab: LabResult[], tails: ConsoleTails) {
  const rows = result.checks
    .map((c) => {
      const l = lab.find((x) => x.board === result.board && x.suite === result.suite && x.check === c.id);
      const replay = replayCommand(c.evidence);
      const again = worthRerunning(c.verdict) ? rerunCommand(folder.summary, result.board, c.id) : undefined;
      return `<tr class="check ${c.verdict}"><td>${html(c.id)}</td><td>${html(c.title)}</td><td>${VERDICT_TEXT[c.verdict]}${c.reason ? `<br>${html(c.reason)}` : ''}</td><td>${html((l?.testCases ?? []).join(' '))}<br>${(l?.ixit ?? []).map((x) => `IXIT ${html(x.id)}: ${html(x.items.join('; ') || 'none named')}`).join('<br>')}</td><td>${evidenceCell(c.evidence)}${replay ? `<p>reproduce: <code>${html(replay)}</code></p>` : ''}${again ? `<p>run again: <code>${html(again)}</code></p>` : ''}</td></tr>`;
    })
    .join('');
  const tail = tails.get(result.console) ?? [];
  return `<h4>${html(result.board)} / ${html(result.suite)}</h4><p class="firmware">firmware: ${html(describeFirmware(result.firmware))}</p>${result.error ? `<p class="inconclusive">${html(result.error)}</p>` : ''}
<table><tr><th>check</th><th>title</th><th>verdict</th><th>TS 103 701 cases, IXIT</th><th>evidence</th></tr>${rows}</table>
<details><summary>console, last lines (${html(result.console)})</summary><pre>${html(tail.join('\n'))}</pre></details>`;
}

export function boardSection(
  folder: RunFolder,
  cert: BoardCertification,
  device: DeviceUnderTest | undefined,
  lab: LabResult[],
  tails: ConsoleTails,
  notInPack: readonly string[],
): string {
  const board = cert.board;
  const suites = folder.results.filter((r) => r.board === board);
  return `<section class="board" id="board-${html(board)}"><h2 class="board">Board ${html(board)}</h2>
<p class="device">${device ? deviceLines(device) : 'firmware: not seen'}</p>
<h3>Provisions of ${STANDARD}</h3>
<table class="provisions"><tr><th>provision</th><th>M/R</th><th>what it asks</th><th>status</th><th>shown by</th></tr>${provisionRows(cert.provisions, notInPack)}</table>
<h3>IXIT items (TS 103 701 Annex C)</h3>
<table class="ixit"><tr><th>IXIT</th><th>name</th><th>state</th><th>what is known</th></tr>${ixitRows(cert.ixit, notInPack)}</table>
<h3>Checks</h3>
${suites.map((r) => suiteChecks(folder, r, lab, tails)).join('\n')}
</section>`;
}
