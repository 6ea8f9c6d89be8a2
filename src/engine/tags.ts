/**
 * Ansible tag selection. `always` runs unless skipped by name; `never` runs only when asked for;
 * `tagged` / `untagged` match tasks with / without tags; `all` (the default) matches everything
 * but `never`.
 */
export function tagsSelected(taskTags: readonly string[], only?: readonly string[], skip?: readonly string[]): boolean {
  const tags = new Set(taskTags);
  const matches = (sel: readonly string[]) =>
    sel.some((t) => (t === 'tagged' ? tags.size > 0 : t === 'untagged' ? tags.size === 0 : t === 'all' ? !tags.has('never') : tags.has(t)));
  if (skip && skip.length && matches(skip)) return false;
  if (only && only.length) {
    if (tags.has('always')) return true;
    return matches(only);
  }
  return !tags.has('never');
}
