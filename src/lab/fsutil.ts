import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './proc.js';

/** Decode the octal escapes /proc/mounts uses for spaces and friends. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points (in this mount namespace) at or below `dir`, deepest first. */
export function mountsUnder(dir: string, mountsText = readFileSync('/proc/mounts', 'utf8')): string[] {
  const base = dir.replace(/\/+$/, '');
  const out: string[] = [];
  for (const line of mountsText.split('\n')) {
    const target = line.split(' ')[1];
    if (!target) continue;
    const t = unescapeMount(target);
    if (t === base || t.startsWith(base + '/')) out.push(t);
  }
  return out.reverse();
}

/** Unmount everything at or below `dir` (lazily, deepest first). */
export async function unmountUnder(dir: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const mounts = mountsUnder(dir);
    if (!mounts.length) return;
    for (const m of mounts) await run(['umount', '-l', m], { allowFail: true });
  }
}

/** Remove a tree without ever crossing into a mounted filesystem (unmounts first). */
export async function removeTree(dir: string): Promise<void> {
  await unmountUnder(dir);
  await run(['rm', '-rf', '--one-file-system', '--', dir], { allowFail: false });
}

/** A temporary build dir `<parent>/.<what>.tmp-<pid>-XXXXXX`, after removing those of dead builds. */
export async function freshBuildDir(parent: string, what: string): Promise<string> {
  const prefix = `.${what}.tmp-`;
  for (const f of existsSync(parent) ? readdirSync(parent) : []) {
    if (!f.startsWith(prefix)) continue;
    const pid = Number(f.slice(prefix.length).split('-')[0]);
    let alive = false;
    try { process.kill(pid, 0); alive = pid > 0; } catch { /* dead */ }
    if (!alive) await removeTree(join(parent, f));
  }
  return mkdtempSync(join(parent, `${prefix}${process.pid}-`));
}
