/**
 * TLS material for a lab (`--tls`), made with openssl: one CA, per member a server and a peer
 * certificate (SANs: the member's address and name), one client certificate for etcdctl.
 * Written under `<labdir>/pki/`; copied to each host's /etc/etcd/pki/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabHost } from './config.js';
import { run } from './proc.js';

const DAYS = '3650';

/** The openssl extension section for a certificate. */
export function certExtensions(kind: 'server' | 'peer' | 'client', host?: LabHost): string {
  const lines = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment'];
  if (kind === 'client') lines.push('extendedKeyUsage=clientAuth');
  else lines.push('extendedKeyUsage=serverAuth,clientAuth');
  if (host) lines.push(`subjectAltName=IP:${host.address},DNS:${host.name},DNS:localhost,IP:127.0.0.1`);
  return lines.join('\n') + '\n';
}

async function issue(dir: string, base: string, cn: string, ext: string): Promise<void> {
  const key = join(dir, `${base}.key`);
  const csr = join(dir, `${base}.csr`);
  const extFile = join(dir, `${base}.ext`);
  writeFileSync(extFile, ext);
  await run(['openssl', 'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-subj', `/CN=${cn}`, '-out', csr]);
  await run(['openssl', 'x509', '-req', '-in', csr, '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'),
    '-CAcreateserial', '-days', DAYS, '-sha256', '-extfile', extFile, '-out', join(dir, `${base}.crt`)]);
}

/** Create `<dir>/ca.crt`, `<host>-server.*`, `<host>-peer.*`, `client.*`. */
export async function makePki(dir: string, labName: string, hosts: LabHost[]): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await run(['openssl', 'req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(dir, 'ca.key'), '-subj', `/CN=etcdplay lab ${labName} CA`, '-days', DAYS, '-sha256',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', join(dir, 'ca.crt')]);
  for (const h of hosts) {
    await issue(dir, `${h.name}-server`, h.name, certExtensions('server', h));
    await issue(dir, `${h.name}-peer`, h.name, certExtensions('peer', h));
  }
  await issue(dir, 'client', 'root', certExtensions('client'));
}
