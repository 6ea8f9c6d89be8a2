/** `etcdplay inventory` (not implemented yet). */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('etcdplay inventory: not implemented yet\n');
  return 70;
}
