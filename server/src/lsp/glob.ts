/**
 * A small glob matcher for the `atmosDeployments.files` setting. The server ships as one
 * bundle with no glob dependency, and the setting only needs `**`, `*`, `?`, `[...]` and
 * `{a,b}`, so a translation to a regular expression is enough.
 */

/** Translates a glob into an anchored regular expression over `/`-separated paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more whole folders; a trailing `**` matches everything below.
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:[^/]*/)*' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^$()|\\\]]/g, '\\$&');
  }
  while (braces-- > 0) re += ')';
  try {
    return new RegExp(`^${re}$`);
  } catch {
    // A glob the translation cannot express matches nothing rather than taking the server down.
    return /$^/;
  }
}

const cache = new Map<string, RegExp>();

/** True when the `/`-separated relative path matches the glob. */
export function matchesGlob(relativePath: string, glob: string): boolean {
  let re = cache.get(glob);
  if (!re) {
    re = globToRegExp(glob);
    cache.set(glob, re);
  }
  return re.test(relativePath);
}
