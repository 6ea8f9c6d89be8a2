/**
 * The yum/dnf paths of `package` and `etcd_package`, run for real against a fake RPM host: stub
 * `rpm`, `yum`, `dnf` that keep the installed versions, the offered versions and the versionlock
 * list in files and log every call. PATH holds only the stubs and the few tools the scripts use
 * (no apt-get), so `manager: auto` must find dnf or yum. No RPM distribution is reachable from
 * here: this proves the commands built, not how real yum/dnf answer (docs/etcd.md, "RPM hosts").
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandStep } from '../../../src/model/step.js';
import { packageModule } from '../../../src/modules/package.js';
import { getModule } from '../../../src/modules/registry.js';
import { ctx, runStep } from './support.js';

const TOOLS = ['sh', 'awk', 'grep', 'sed', 'tr', 'head', 'cat', 'sort', 'rm', 'chmod', 'mv', 'cut', 'printf', 'echo', 'tail', 'touch', 'cp', 'basename', 'dirname', 'wc', 'mkdir', 'ls', 'test', '['];

// Stub package manager: yum and dnf differ in their versionlock list format (yum EPOCH:NAME-V-R.*,
// dnf NAME-EPOCH:V-R.*) and yum answers an install of an older version with "Nothing to do" (rc 0).
const MGR_STUB = String.raw`#!/bin/sh
me=$(basename "$0"); S=$FAKE_RPM
printf "%s\n" "$me $*" >> "$S/log"
inst() { cat "$S/installed.$1" 2>/dev/null; }
older() { [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]; }
specs() { for a in "$@"; do case $a in -*) ;; *) echo "$a" ;; esac; done; }
# NAME-V[-R] -> n, v (a V without release is completed from the offered versions, as yum does)
split() {
  n=$(echo "$1" | sed -E 's/-[0-9].*$//'); v=$(echo "$1" | sed "s/^$n-//")
  case $v in *-*) ;; *) v=$(grep -m1 "^$v-" "$S/avail.$n" 2>/dev/null || echo "$v") ;; esac
}
cmd=$1; shift
case $cmd in
  list) for n in $(specs "$@"); do
          [ -n "$(inst "$n")" ] && echo "$n.x86_64 $(inst "$n") @installed"
          for v in $(cat "$S/avail.$n" 2>/dev/null); do echo "$n.x86_64 $v repo"; done
        done ;;
  downgrade) for a in $(specs "$@"); do split "$a"; cur=$(inst "$n")
          [ -n "$cur" ] || { echo "Package $n not installed" >&2; exit 1; }
          older "$v" "$cur" || { echo "Only Upgrade available on package: $a" >&2; exit 1; }
          echo "$v" > "$S/installed.$n"; done ;;
  install) for a in $(specs "$@"); do split "$a"; cur=$(inst "$n")
          if [ -n "$cur" ] && older "$v" "$cur" && [ "$me" = yum ]; then echo "Package matching $a already installed. Nothing to do"; continue; fi
          echo "$v" > "$S/installed.$n"; done ;;
  versionlock) sub=$1; shift
    case $sub in
      list) cat "$S/locks" 2>/dev/null ;;
      add) for n in $(specs "$@"); do if [ "$me" = yum ]; then echo "0:$n-$(inst "$n").*"; else echo "$n-0:$(inst "$n").*"; fi >> "$S/locks"; done ;;
      delete) for n in $(specs "$@"); do grep -Ev "(^|:)$n-([0-9]+:)?[0-9]" "$S/locks" > "$S/locks.new"; mv "$S/locks.new" "$S/locks"; done ;;
    esac ;;
  check-update|makecache|remove|upgrade) ;;
esac
exit 0
`;

const RPM_STUB = String.raw`#!/bin/sh
S=$FAKE_RPM; printf "%s\n" "rpm $*" >> "$S/log"
for n; do :; done
if [ -s "$S/installed.$n" ]; then printf '%s\n' "$(cat "$S/installed.$n")"; else echo "package $n is not installed"; exit 1; fi
`;

interface Host { dir: string; env: NodeJS.ProcessEnv; log: () => string[]; installed: (n: string) => string; locks: () => string }

/** A fake RPM host with `manager` (yum or dnf) on PATH; `installed`/`offered` per package. */
function rpmHost(manager: 'yum' | 'dnf', installed: Record<string, string>, offered: Record<string, string[]>, locks: string[] = []): Host {
  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-rpm-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const t of TOOLS) for (const d of ['/usr/bin', '/bin']) if (existsSync(join(d, t)) && !existsSync(join(bin, t))) symlinkSync(join(d, t), join(bin, t));
  const stub = (name: string, text: string) => { writeFileSync(join(bin, name), text); chmodSync(join(bin, name), 0o755); };
  stub(manager, MGR_STUB);
  stub('rpm', RPM_STUB);
  stub('pgrep', '#!/bin/sh\nexit 1\n');
  stub('etcd', `#!/bin/sh\necho "etcd Version: $(cut -d- -f1 "$FAKE_RPM/installed.etcd")"\n`);
  for (const [n, v] of Object.entries(installed)) writeFileSync(join(dir, `installed.${n}`), v + '\n');
  for (const [n, vs] of Object.entries(offered)) writeFileSync(join(dir, `avail.${n}`), vs.join('\n') + '\n');
  writeFileSync(join(dir, 'locks'), locks.map((l) => l + '\n').join(''));
  writeFileSync(join(dir, 'log'), '');
  return {
    dir,
    env: { PATH: bin, FAKE_RPM: dir },
    log: () => readFileSync(join(dir, 'log'), 'utf8').trim().split('\n').filter((l) => l && !l.startsWith('rpm ') && !/ (list|versionlock list)/.test(l)),
    installed: (n) => readFileSync(join(dir, `installed.${n}`), 'utf8').trim(),
    locks: () => readFileSync(join(dir, 'locks'), 'utf8').trim(),
  };
}

const RHEL = { etcd_packages: ['etcd'] };
const etcdPkg = (args: Record<string, unknown>) => getModule('etcd_package')!.plan(args as never, ctx(RHEL) as never) as CommandStep[];
const run = (steps: CommandStep[], h: Host) => steps.map((s) => runStep(s, h.env));
const lastJson = (out: string) => JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;

for (const mgr of ['yum', 'dnf'] as const) {
  test(`etcd_package on ${mgr}: seed 003's downgrade 3.3.11 -> 3.2.22 (auto finds ${mgr}; exact commands; rpm -q verified)`, () => {
    const h = rpmHost(mgr, { etcd: '3.3.11-2.el7' }, { etcd: ['3.2.22-1.el7', '3.3.11-2.el7'] });
    const rs = run(etcdPkg({ version: '3.2.22' }), h);
    assert.equal(rs.map((r) => r.rc), [0, 0], rs.map((r) => r.stderr).join('\n'));
    assert.is(h.installed('etcd'), '3.2.22-1.el7');
    assert.equal(h.log(), [`${mgr} downgrade -y --disableexcludes=all --disableplugin=versionlock etcd-3.2.22-1.el7`]);
    assert.equal(lastJson(rs[1]!.stdout), { version: '3.2.22-1.el7', previous: '3.3.11-2.el7', binaryVersion: '3.2.22', manager: mgr, changed: true, held: false });
    assert.ok(rs[1]!.changed);
    assert.ok(readFileSync(join(h.dir, 'log'), 'utf8').includes("rpm -q --qf %{VERSION}-%{RELEASE} etcd"), 'verified with rpm -q');
  });

  test(`etcd_package on ${mgr}: rollback (an upgrade) falls back from downgrade to install`, () => {
    const h = rpmHost(mgr, { etcd: '3.2.22-1.el7' }, { etcd: ['3.2.22-1.el7', '3.3.11-2.el7'] });
    const rs = run(etcdPkg({ version: '3.3.11-2.el7' }), h);
    assert.equal(rs.map((r) => r.rc), [0, 0], rs.map((r) => r.stderr).join('\n'));
    assert.is(h.installed('etcd'), '3.3.11-2.el7');
    assert.equal(h.log(), [
      `${mgr} downgrade -y --disableexcludes=all --disableplugin=versionlock etcd-3.3.11-2.el7`,
      `${mgr} install -y --disableexcludes=all --disableplugin=versionlock etcd-3.3.11-2.el7`,
    ]);
  });

  test(`etcd_package on ${mgr}: a versionlock on the old version is moved to the new one; hold: true locks`, () => {
    const oldLock = mgr === 'yum' ? '0:etcd-3.3.11-2.el7.*' : 'etcd-0:3.3.11-2.el7.*';
    const h = rpmHost(mgr, { etcd: '3.3.11-2.el7' }, { etcd: ['3.2.22-1.el7', '3.3.11-2.el7'] }, [oldLock]);
    const rs = run(etcdPkg({ version: '3.2.22' }), h);
    assert.equal(rs.map((r) => r.rc), [0, 0], rs.map((r) => r.stderr).join('\n'));
    assert.equal(h.log(), [
      `${mgr} downgrade -y --disableexcludes=all --disableplugin=versionlock etcd-3.2.22-1.el7`,
      `${mgr} versionlock delete etcd`,
      `${mgr} versionlock add etcd`,
    ]);
    assert.is(h.locks(), mgr === 'yum' ? '0:etcd-3.2.22-1.el7.*' : 'etcd-0:3.2.22-1.el7.*');
    assert.is(lastJson(rs[1]!.stdout).held, true);
    const h2 = rpmHost(mgr, { etcd: '3.2.22-1.el7' }, { etcd: ['3.2.22-1.el7'] });
    const r2 = run(etcdPkg({ version: '3.2.22', hold: true }), h2);
    assert.equal(h2.log(), [`${mgr} versionlock delete etcd`, `${mgr} versionlock add etcd`]);
    assert.equal(lastJson(r2[1]!.stdout).changed, false);
  });

  test(`etcd_package on ${mgr}: a version not offered is refused, listing what is; state: available changes nothing`, () => {
    const h = rpmHost(mgr, { etcd: '3.3.11-2.el7' }, { etcd: ['3.2.22-1.el7', '3.3.11-2.el7'] });
    const r = runStep(etcdPkg({ version: '3.2.11' })[0]!, h.env);
    assert.is(r.rc, 1);
    assert.match(r.stderr, /etcd 3\.2\.11 is not available for etcd from/);
    assert.match(r.stderr, /3\.2\.22-1\.el7/);
    const a = run(etcdPkg({ version: '3.2.22', state: 'available' }), h);
    assert.equal(lastJson(a[0]!.stdout), { available: true, version: '3.2.22-1.el7', installed: '3.3.11-2.el7', manager: mgr, wouldChange: true });
    assert.equal(h.log(), []);
    assert.is(h.installed('etcd'), '3.3.11-2.el7');
  });

  test(`package module on ${mgr}: allow_downgrade runs downgrade first (yum's install of an older version is "Nothing to do")`, () => {
    const h = rpmHost(mgr, { etcd: '3.3.11-2.el7' }, { etcd: ['3.2.22-1.el7', '3.3.11-2.el7'] });
    const step = packageModule.plan({ name: 'etcd', version: '3.2.22', allow_downgrade: true, manager: mgr } as never, ctx())[0] as CommandStep;
    const r = runStep(step, h.env);
    assert.is(r.rc, 0, r.stderr);
    assert.ok(r.changed);
    assert.is(h.installed('etcd'), '3.2.22-1.el7');
    assert.equal(h.log(), [`${mgr} downgrade -y etcd-3.2.22`]);
    // without allow_downgrade: install only; yum then changes nothing and the verification fails
    const h2 = rpmHost(mgr, { etcd: '3.3.11-2.el7' }, { etcd: ['3.2.22-1.el7'] });
    const r2 = runStep(packageModule.plan({ name: 'etcd', version: '3.2.22', manager: mgr } as never, ctx())[0] as CommandStep, h2.env);
    assert.equal(h2.log(), [`${mgr} install -y etcd-3.2.22`]);
    if (mgr === 'yum') {
      assert.is(r2.rc, 1);
      assert.match(r2.stderr, /still not as asked: etcd:3\.3\.11-2\.el7->3\.2\.22/);
    }
  });
}

test('etcd_package on RPM hosts: no policy-rc.d is written (a Debian mechanism)', () => {
  const h = rpmHost('dnf', { etcd: '3.3.11-2.el7' }, { etcd: ['3.2.22-1.el7'] });
  const steps = etcdPkg({ version: '3.2.22' });
  const script = steps[1]!.command.kind === 'exec' ? steps[1]!.command.argv[2]! : '';
  assert.match(script, /\[ "\$MGR" = apt \] && \[ ! -e \/usr\/sbin\/policy-rc\.d \]/);
  assert.equal(run(steps, h).map((r) => r.rc), [0, 0]);
});

test.run();
