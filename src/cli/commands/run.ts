/** `etcdplay run` (not implemented yet). */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('etcdplay run: not implemented yet\n');
  return 70;
}
