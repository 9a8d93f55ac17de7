/**
 * The device's web UI in a real browser: playwright-core driving Debian's Chromium (never a
 * downloaded one), one page whose cookies are cleared before every attempt (no session carries over). The form is
 * the profile's selectors, or found: the password field, the text field before it, the form's submit
 * (else Enter). Accepted when the page no longer asks (or shows the profile's logged-in marker);
 * locked on a page that says so; busy on a rate limit or overload answer (429, 503 ...: busy.ts), a
 * connection reset or a page that timed out; no answer on another server error. A successful login is photographed into the run folder.
 * The browser is closed by close(), whatever happened; pages' own text is kept only as evidence text.
 */
import { join } from 'node:path';
import type { Browser, Page, Response } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../util/browser.ts';
import type { BoardProfile } from '../config/load.ts';
import { BUSY_STATUSES, retryAfterMs } from './busy.ts';
import type { LoginResult, LoginSurface } from './surface.ts';

const PAGE_MS = 10_000;
const LOCKED_TEXT = /too many|locked|try again later|rate limit/i;
/** Chromium's words for a connection reset or dropped, and playwright's for a wait that timed out. */
const BUSY_ERROR = /net::ERR_(?:CONNECTION_RESET|CONNECTION_CLOSED|EMPTY_RESPONSE|TIMED_OUT)|Timeout \d+ms exceeded/;

export class WebLogin implements LoginSurface {
  readonly name = 'web';
  private browser: Browser | undefined;
  private current: Page | undefined;
  private shots = 0;

  constructor(
    readonly where: string,
    private readonly form: BoardProfile['credentials']['web'],
    /** Where screenshots go (the board's folder in the run). */
    private readonly folder: string,
  ) {}

  async attempt(user: string, password: string): Promise<LoginResult> {
    let page: Page;
    try {
      page = await this.page();
    } catch (error) {
      return {
        verdict: 'no-answer',
        ms: 0,
        said: `cannot start ${CHROMIUM}: ${(error as Error).message.split('\n')[0]}`,
      };
    }
    try {
      // No session carries over from one attempt to the next.
      await page.context().clearCookies();
      const first = await page.goto(this.where, { waitUntil: 'load' });
      if (!first) return { verdict: 'no-answer', ms: 0, said: 'the page did not load' };
      if (BUSY_STATUSES.has(first.status())) return busy(first, 0, 'the login page');
      const passwordField = page.locator(this.form.passwordField ?? 'input[type=password]').first();
      if ((await passwordField.count()) === 0)
        return { verdict: 'no-answer', ms: 0, said: `HTTP ${first.status()}: no password field on ${this.where}` };
      const userField = page
        .locator(this.form.userField ?? 'form input[type=text], form input[type=email], form input:not([type])')
        .first();
      if ((await userField.count()) > 0) await userField.fill(user);
      await passwordField.fill(password);
      const sent = Date.now();
      const answer = page.waitForNavigation({ waitUntil: 'load' }).catch(() => null);
      const submit = page.locator(this.form.submit ?? 'form [type=submit]').first();
      if ((await submit.count()) > 0) await submit.click();
      else await passwordField.press('Enter');
      const response = await answer;
      const ms = Date.now() - sent;
      if (response && BUSY_STATUSES.has(response.status())) return busy(response, ms, 'the answer');
      // A server error's page has no password field either: it is no login.
      if (response && response.status() >= 500)
        return { verdict: 'no-answer', ms, said: `HTTP ${response.status()}: not an answer to a password` };
      return await this.judge(page, response?.status(), ms);
    } catch (error) {
      const said = (error as Error).message.split('\n')[0]!;
      return { verdict: BUSY_ERROR.test(said) ? 'busy' : 'no-answer', ms: 0, said };
    }
  }

  private async page(): Promise<Page> {
    if (this.current && !this.current.isClosed()) return this.current;
    this.browser ??= await launchChromium();
    const context = await this.browser.newContext();
    this.current = await context.newPage();
    this.current.setDefaultTimeout(PAGE_MS);
    return this.current;
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = undefined;
    this.current = undefined;
    await browser?.close().catch(() => undefined);
  }

  private async judge(page: Page, status: number | undefined, ms: number): Promise<LoginResult> {
    // The rendered text, as a person reads it (scripts' source left out); kept as text, never as markup.
    const body = page.locator('body');
    // biome-ignore lint/performance/useDomNodeTextContent: playwright's innerText is the rendered text
    const rendered = await body.innerText().catch(() => '');
    const text = rendered.replace(/\s+/g, ' ').trim().slice(0, 300);
    const said = `HTTP ${status ?? '(no navigation)'}: ${text}`;
    if (LOCKED_TEXT.test(text)) return { verdict: 'locked', ms, said };
    const loggedIn = this.form.loggedIn
      ? (await page.locator(this.form.loggedIn).count()) > 0
      : (await page.locator(this.form.passwordField ?? 'input[type=password]').count()) === 0;
    if (!loggedIn) return { verdict: 'refused', ms, said };
    const screenshot = join(this.folder, `default-credentials-web-${++this.shots}.png`);
    await page.screenshot({ path: screenshot }).catch(() => undefined);
    return { verdict: 'accepted', ms, said, screenshot };
  }
}

/** A rate limit or overload answer: the password was not tried. */
function busy(response: Response, ms: number, what: string): LoginResult {
  const wait = retryAfterMs(response.headers()['retry-after']);
  return {
    verdict: 'busy',
    ms,
    said: `HTTP ${response.status()} for ${what}: rate limited or overloaded`,
    ...(wait !== undefined ? { retryAfterMs: wait } : {}),
  };
}
