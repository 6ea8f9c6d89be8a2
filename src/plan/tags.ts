/**
 * --tags / --skip-tags with Ansible's special tags:
 *   always   runs unless 'always' itself is skipped
 *   never    runs only when one of its tags (or 'never') is asked for explicitly
 *   all      (default of --tags) every task not tagged 'never'
 *   tagged / untagged   tasks with / without tags
 */
export function tagsSelect(taskTags: string[], only?: string[], skip?: string[]): boolean {
  const tags = new Set(taskTags);
  const onlyTags = only && only.length ? only : ['all'];
  const skipTags = skip ?? [];
  let run = false;
  if (tags.has('always') && !skipTags.includes('always')) run = true;
  else {
    for (const t of onlyTags) {
      if (t === 'all' && !tags.has('never')) run = true;
      else if (t === 'tagged' && tags.size > 0 && !tags.has('never')) run = true;
      else if (t === 'untagged' && tags.size === 0) run = true;
      else if (tags.has(t)) run = true;
    }
  }
  if (!run) return false;
  for (const t of skipTags) {
    if (t === 'all' && !(tags.has('always') && !skipTags.includes('always'))) return false;
    if (t === 'tagged' && tags.size > 0) return false;
    if (t === 'untagged' && tags.size === 0) return false;
    if (tags.has(t)) return false;
  }
  return true;
}

/** Split "a,b" / ["a,b", "c"] into tags. */
export function parseTagList(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  const out = values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  return out.length ? out : undefined;
}

/**
 * --start-at-task: does a task with one of these names start the run? A name as written, or the
 * pattern with * and ? wildcards (Ansible's fnmatch). Shared by the planner and the engine.
 */
export function startsAt(pattern: string, names: (string | undefined)[]): boolean {
  return names.some((n) => n !== undefined && globMatch(pattern, n));
}

function globMatch(pattern: string, name: string): boolean {
  if (pattern === name) return true;
  if (!/[*?]/.test(pattern)) return false;
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(name);
}
