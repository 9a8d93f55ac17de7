/**
 * A login surface: somewhere a device asks for a user name and password (its console, a telnet-style
 * service, a web form, a page behind HTTP auth). One attempt gives one of five answers, timed from
 * the moment the password went out: the device let us in; said no; said it is locked out (its own
 * words); was busy (a rate limit or overload answer such as HTTP 429 or 503, a connection reset, no
 * answer in time), which did not test the password at all; or never offered the login (no prompt,
 * no challenge, no form). Only `accepted` and `refused` say anything about the password.
 */
export type LoginVerdict = 'accepted' | 'refused' | 'locked' | 'busy' | 'no-answer';

export interface LoginResult {
  verdict: LoginVerdict;
  /** From the password sent to the device's answer. */
  ms: number;
  /** What the device answered (its line, its HTTP status), for evidence; never the password. */
  said: string;
  /** How long a busy device asked to be left alone (HTTP Retry-After). */
  retryAfterMs?: number;
  /** A picture of the page after a successful web login, in the run folder. */
  screenshot?: string;
}

export interface LoginSurface {
  readonly name: 'console' | 'tcp' | 'web' | 'http-auth';
  /** Where it is, for evidence (a URL, host:port, the console). */
  readonly where: string;
  attempt(user: string, password: string): Promise<LoginResult>;
  close(): Promise<void>;
}

/** Which of a dialogue's answers a text is (the first that matches, locked before accepted). */
export function classify(
  text: string,
  answers: { accepted: RegExp; refused: RegExp; locked?: RegExp },
): 'accepted' | 'refused' | 'locked' | undefined {
  if (answers.locked?.test(text)) return 'locked';
  if (answers.refused.test(text)) return 'refused';
  if (answers.accepted.test(text)) return 'accepted';
  return undefined;
}
