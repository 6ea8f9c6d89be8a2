/**
 * Client authentication for one hop, in OpenSSH's order: ssh-agent (SSH_AUTH_SOCK), private key
 * files (explicit first, then ~/.ssh/id_ed25519, id_rsa, id_ecdsa; encrypted keys ask
 * promptPassphrase), password, then keyboard-interactive answered with the password.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import ssh2, { type AnyAuthMethod, type AuthenticationType, type AuthHandlerMiddleware, type ParsedKey } from 'ssh2';

// ssh2 is CommonJS: its named exports are reached through the default import.
const { utils } = ssh2;

export interface AuthInput {
  user: string;
  identityFiles: string[];
  password?: string;
  /** Path of the agent socket; default $SSH_AUTH_SOCK. */
  agentSocket?: string;
  promptPassphrase?(keyFile: string): Promise<string>;
  onWarning?(message: string): void;
}

export interface AuthPlan {
  handler: AuthHandlerMiddleware;
  /** What was tried, for the error message when everything failed. */
  tried: string[];
}

type Attempt = () => Promise<AnyAuthMethod | undefined>;

function isEncryptedKeyError(err: Error): boolean {
  return /encrypted|passphrase/i.test(err.message);
}

/**
 * Decrypted keys, per file (and its content), for the whole process: 20 hosts sharing one
 * encrypted key ask for its passphrase once, and concurrent connections share one prompt.
 */
const decrypted = new Map<string, Promise<ParsedKey | undefined>>();

let promptsActive = 0;
let lastPromptActivity = 0;
/**
 * Was a passphrase prompt (or the slow decryption after it) under way, anywhere in this process,
 * at some point during the last `withinMs`? Connect timeouts do not count that time.
 */
export function passphrasePromptBusy(withinMs: number): boolean {
  return promptsActive > 0 || Date.now() - lastPromptActivity < withinMs;
}

/** Parse a private key file, asking for a passphrase when it is encrypted. Returns undefined when unusable. */
async function loadKey(file: string, inp: AuthInput): Promise<ParsedKey | undefined> {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    inp.onWarning?.(`cannot read private key ${file}: ${(err as Error).message}`);
    return undefined;
  }
  const plain = utils.parseKey(data);
  if (!(plain instanceof Error) || !isEncryptedKeyError(plain)) return parseUnencrypted(file, data, inp);
  const cacheKey = `${file}\0${data.toString('base64')}`;
  let p = decrypted.get(cacheKey);
  if (!p) {
    p = parseWithPrompt(file, data, inp);
    decrypted.set(cacheKey, p);
    // A failed attempt (no prompt, wrong passphrases) is not remembered: the next connection may ask again.
    p.then((k) => { if (!k) decrypted.delete(cacheKey); }, () => decrypted.delete(cacheKey));
  }
  return p;
}

function parseUnencrypted(file: string, data: Buffer, inp: AuthInput): ParsedKey | undefined {
  const parsed = utils.parseKey(data);
  if (parsed instanceof Error) {
    inp.onWarning?.(`cannot use private key ${file}: ${parsed.message}`);
    return undefined;
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || !key.isPrivateKey()) return undefined;
  return key;
}

async function parseWithPrompt(file: string, data: Buffer, inp: AuthInput): Promise<ParsedKey | undefined> {
  let parsed = utils.parseKey(data);
  if (parsed instanceof Error && isEncryptedKeyError(parsed)) {
    if (!inp.promptPassphrase) {
      inp.onWarning?.(`private key ${file} is encrypted and no passphrase prompt is available; skipped`);
      return undefined;
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      // The prompt and the decryption (bcrypt KDF, slow in JS) do not count against connect timeouts.
      promptsActive++;
      lastPromptActivity = Date.now();
      try {
        const pass = await inp.promptPassphrase(file);
        parsed = utils.parseKey(data, pass);
      } finally {
        promptsActive--;
        lastPromptActivity = Date.now();
      }
      if (!(parsed instanceof Error)) break;
      if (!isEncryptedKeyError(parsed) && !/bad decrypt|integrity|decrypt/i.test(parsed.message)) break;
    }
  }
  if (parsed instanceof Error) {
    inp.onWarning?.(`cannot use private key ${file}: ${parsed.message}`);
    return undefined;
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || !key.isPrivateKey()) return undefined;
  return key;
}

export function buildAuth(inp: AuthInput): AuthPlan {
  const attempts: { method: AuthenticationType; label: string; run: Attempt }[] = [];
  const tried: string[] = [];
  const agent = inp.agentSocket ?? process.env['SSH_AUTH_SOCK'];
  if (agent && existsSync(agent)) {
    attempts.push({ method: 'agent', label: 'agent', run: async () => ({ type: 'agent', username: inp.user, agent }) });
  }
  const seen = new Set<string>();
  for (const file of inp.identityFiles) {
    if (seen.has(file)) continue;
    seen.add(file);
    let ok = false;
    try { ok = statSync(file).isFile(); } catch { ok = false; }
    if (!ok) continue;
    attempts.push({
      method: 'publickey',
      label: `publickey ${file}`,
      run: async () => {
        const key = await loadKey(file, inp);
        return key ? { type: 'publickey', username: inp.user, key } : undefined;
      },
    });
  }
  if (inp.password !== undefined) {
    const password = inp.password;
    attempts.push({ method: 'password', label: 'password', run: async () => ({ type: 'password', username: inp.user, password }) });
    attempts.push({
      method: 'keyboard-interactive',
      label: 'keyboard-interactive',
      run: async () => ({
        type: 'keyboard-interactive',
        username: inp.user,
        prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password)),
      }),
    });
  }

  let next = 0;
  const handler: AuthHandlerMiddleware = (methodsLeft, _partial, callback) => {
    const step = async (): Promise<void> => {
      while (next < attempts.length) {
        const a = attempts[next++]!;
        if (methodsLeft && !methodsLeft.includes(a.method) && !(a.method === 'agent' && methodsLeft.includes('publickey'))) continue;
        let method: AnyAuthMethod | undefined;
        try {
          method = await a.run();
        } catch (err) {
          inp.onWarning?.(`${a.label}: ${(err as Error).message}`);
          continue;
        }
        if (!method) continue;
        tried.push(a.label);
        callback(method);
        return;
      }
      callback(false as unknown as AuthenticationType);
    };
    void step();
  };
  return { handler, tried };
}
