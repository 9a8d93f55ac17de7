/**
 * Debian's Chromium through playwright-core, the one way the harness starts a browser (web UI logins,
 * printing reports to PDF): never a downloaded browser, always the project's flags.
 */
import type { Browser } from 'playwright-core';

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

export async function launchChromium(): Promise<Browser> {
  // Loaded when a browser is wanted: importing playwright-core costs about 0.4 s, which every suite
  // process and every run paid at start-up when it was imported with the harness.
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}
