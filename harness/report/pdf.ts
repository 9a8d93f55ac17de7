/**
 * report.pdf, printed by Chromium from report.html. A run starts the printer (Chromium and its tab)
 * while its last suites run: the launch and the new tab were about 0.35 s of the reports' time after
 * the run.
 */
import type { Browser, Page } from 'playwright-core';
import { closeChromium, launchChromium } from '../util/browser.ts';

export interface PdfPrinter {
  print(html: string, file: string): Promise<void>;
  close(): Promise<void>;
}

export async function startPdfPrinter(): Promise<PdfPrinter> {
  const browser: Browser = await launchChromium();
  let tab: Page;
  try {
    tab = await browser.newPage();
  } catch (error) {
    await closeChromium(browser).catch(() => undefined);
    throw error;
  }
  return {
    async print(html, file) {
      // The page holds everything inline (styles, no scripts, no images to fetch).
      await tab.setContent(html, { waitUntil: 'load' });
      await tab.pdf({ path: file, format: 'A4', landscape: true, printBackground: true });
    },
    /** Rejects if Chromium had to be killed. */
    close: () => closeChromium(browser),
  };
}
