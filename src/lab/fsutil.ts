import { readFileSync } from 'node:fs';
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
