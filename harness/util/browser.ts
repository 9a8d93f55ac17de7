/**
 * Debian's Chromium through playwright-core, the one way the harness starts a browser (web UI logins,
 * printing reports to PDF): never a downloaded browser, always the project's flags.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { withDeadline } from './deadline.ts';

export const CHROMIUM = '/usr/bin/chromium';
/** The flags the project runs Chromium with (the developers' guide). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Each browser's mark in its environment: Playwright does not say which process it started. */
const MARK = 'HIL_CHROMIUM';
const marks = new WeakMap<Browser, string>();

export async function launchChromium(): Promise<Browser> {
  // Loaded when a browser is wanted: importing playwright-core costs about 0.4 s, which every suite
  // process and every run paid at start-up when it was imported with the harness.
  const { chromium } = await import('playwright-core');
  const mark = randomUUID();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_FLAGS,
    headless: true,
    env: { ...process.env, [MARK]: mark },
    // hil owns its signals: Playwright's handlers close the browser and exit 130 at once, racing the
    // run's own (suites stopped, supplies safe, reports written, exit 2).
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  marks.set(browser, mark);
  return browser;
}

/**
 * Closes a browser, and kills it (its process group) should it not close within `ms`: then it
 * rejects, saying so. Playwright starts Chromium as the leader of a process group of its own.
 */
export async function closeChromium(browser: Browser, ms = 10_000): Promise<void> {
  try {
    await withDeadline(browser.close(), ms, 'Chromium closed');
  } catch (error) {
    const leader = groupLeader(marks.get(browser));
    if (leader !== undefined) process.kill(-leader, 'SIGKILL');
    throw new Error(`${(error as Error).message}; ${leader === undefined ? 'it was not found' : 'killed'}`);
  }
}

function groupLeader(mark: string | undefined): number | undefined {
  if (mark === undefined) return undefined;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== process.pid) continue;
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`${MARK}=${mark}`)) return Number(pid);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return undefined;
}
