/**
 * A login surface: somewhere a device asks for a user name and password (its console, a telnet-style
 * service, a web form, a page behind HTTP auth). One attempt gives one of four answers, timed from
 * the moment the password went out: the device let us in, said no, refused to try (locked out, rate
 * limited), or said nothing in time.
 */
export type LoginVerdict = 'accepted' | 'refused' | 'locked' | 'no-answer';

export interface LoginResult {
  verdict: LoginVerdict;
  /** From the password sent to the device's answer. */
  ms: number;
  /** What the device answered (its line, its HTTP status), for evidence; never the password. */
  said: string;
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
): Exclude<LoginVerdict, 'no-answer'> | undefined {
  if (answers.locked?.test(text)) return 'locked';
  if (answers.refused.test(text)) return 'refused';
  if (answers.accepted.test(text)) return 'accepted';
  return undefined;
}
