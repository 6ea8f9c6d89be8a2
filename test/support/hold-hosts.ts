/**
 * Start N real sshd on loopback for trying playbooks by hand, print their inventory vars, and keep
 * them until killed: node --import tsx test/support/hold-hosts.ts DIR ADDR...
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd } from './sshd.js';
import { varsFor } from '../integration/connection/_helpers.js';

const [dir, ...addrs] = process.argv.slice(2);
const hosts = await Promise.all(addrs.map((address) => startSshd({ address, users: ['root'] })));
writeFileSync(join(dir!, 'hosts.json'), JSON.stringify(hosts.map((h) => ({ ...varsFor(h), address: h.address, port: h.port })), null, 2));
console.log('ready');
const stop = async (): Promise<void> => { await Promise.all(hosts.map((h) => h.stop())); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => undefined, 1 << 30);
