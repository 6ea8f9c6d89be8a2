/**
 * become via sudo: `sudo -H -S -p <random prompt> -u USER -- sh -c '<ready marker>; <command>'`.
 * The password goes to sudo's stdin only when sudo prints our prompt on stderr (never in argv
 * or logs); a second prompt means the password was wrong: we stop, we do not hang. The command's
 * own stdin is written only after the ready marker shows that sudo let us in.
 */
import { randomBytes } from 'node:crypto';
import { shQuote } from '../shell/quote.js';

export interface BecomeSpec {
  user: string;
  password?: string;
}

export interface BecomeMarker {
  prompt: string;
  ready: string;
}

/**
 * Does becoming `user` need sudo? Not when commands already run as that user (the ssh login user,
 * the local user): that also works on hosts without sudo.
 */
export function becomeNeeded(loginUser: string | undefined, user: string): boolean {
  if (loginUser === undefined) return true;
  return !(user === loginUser || (loginUser === 'root' && user === '0'));
}

export function wrapBecome(text: string, spec: BecomeSpec): { text: string; marker: BecomeMarker } {
  const token = randomBytes(8).toString('hex');
  const marker = { prompt: `[etcdplay-sudo-${token}] password:`, ready: `etcdplay-sudo-ok-${token}` };
  const inner = `printf '%s\\n' ${shQuote(marker.ready)} >&2; ${text}`;
  const sudo = `sudo -H -S -p ${shQuote(marker.prompt)} -u ${shQuote(spec.user)} -- sh -c ${shQuote(inner)}`;
  return { text: sudo, marker };
}

/** Watches stderr until the ready marker: answers the prompt once, fails on a second prompt. */
export class BecomeGate {
  readonly ready: Promise<void>;
  private resolve!: () => void;
  private reject!: (err: Error) => void;
  private buf = '';
  private passed = false;
  private prompts = 0;
  private failed = false;

  constructor(private readonly marker: BecomeMarker, private readonly password: string | undefined) {
    this.ready = new Promise((res, rej) => { this.resolve = res; this.reject = rej; });
    this.ready.catch(() => undefined);
  }

  /** Feed a stderr chunk; returns the part that belongs to the command's stderr. */
  feed(chunk: string, write: (line: string) => void): string {
    if (this.passed) return chunk;
    this.buf += chunk;
    let i: number;
    while ((i = this.buf.indexOf(this.marker.prompt)) >= 0) {
      this.buf = this.buf.slice(0, i) + this.buf.slice(i + this.marker.prompt.length);
      this.prompts++;
      if (this.failed) continue;
      if (this.password === undefined) {
        this.failed = true;
        this.reject(new Error('sudo asked for a password but no become password was given (use -K / --ask-become-pass or ansible_become_password)'));
      } else if (this.prompts > 1) {
        this.failed = true;
        this.reject(new Error('sudo: incorrect become password (sudo asked again after it was sent)'));
      } else {
        write(`${this.password}\n`);
      }
    }
    const r = this.buf.indexOf(`${this.marker.ready}\n`);
    if (r >= 0) {
      this.passed = true;
      const after = this.buf.slice(r + this.marker.ready.length + 1);
      // What sudo printed before letting us in (lecture, "Sorry, try again.") is not the command's output.
      this.buf = '';
      this.resolve();
      return after;
    }
    return '';
  }

  /** At channel close: whatever sudo said when it did not let us in (its error message). */
  flush(): string {
    if (this.passed) return '';
    const rest = this.buf;
    this.buf = '';
    if (!this.failed) {
      this.failed = true;
      this.reject(new Error(`sudo failed: ${rest.trim().split('\n').pop() ?? ''}`));
    }
    return rest;
  }
}
