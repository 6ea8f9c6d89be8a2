import type { Diagnostic } from './model/source.js';

/**
 * The error hierarchy: a one-line `message` for humans and logs, and the full `detail`.
 */
export class EtcdplayError extends Error {
  constructor(message: string, readonly detail: string = message) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: playbook, inventory, args, CLI flags. Exit code 2, nothing was contacted. */
export class ValidationError extends EtcdplayError {
  constructor(message: string, readonly diagnostics: Diagnostic[] = [], detail?: string) {
    super(message, detail ?? message);
  }
}

/** A host could not be reached or authenticated (network, host key, auth). */
export class UnreachableError extends EtcdplayError {
  constructor(readonly host: string, message: string, detail?: string, readonly hint?: string) {
    super(`${host}: ${message}`, detail);
  }
}

/** A remote command ran and failed. */
export class CommandFailedError extends EtcdplayError {
  constructor(readonly host: string, readonly rc: number, message: string, readonly stdout = '', readonly stderr = '') {
    super(`${host}: ${message} (rc=${rc})`, `${message}\nrc=${rc}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }
}
