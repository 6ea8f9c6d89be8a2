/** `etcdplay adhoc` (not implemented yet). */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('etcdplay adhoc: not implemented yet\n');
  return 70;
}
