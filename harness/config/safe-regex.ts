/**
 * Patterns from profiles are matched against every line a board sends, so one that can take
 * exponential time on a hostile line (a quantified group that itself holds an unbounded quantifier,
 * `(a+)+$`, `(x*)*`, `(a|a?)+`) would pin a CPU. Such patterns are refused when the file is loaded.
 * The check reads the pattern's structure: escapes and character classes are skipped, and a group
 * is unsafe when it can repeat without bound and holds something that can too.
 */

/** Why a pattern is unsafe, or undefined when it is not. */
export function nestedQuantifier(source: string): string | undefined {
  // Per open group: whether something inside it repeats without bound.
  const groups: { start: number; unbounded: boolean }[] = [];
  let lastGroup: { start: number; unbounded: boolean } | undefined;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      i++;
      lastGroup = undefined;
      continue;
    }
    if (c === '[') {
      // A character class: skip to its end (a ] first, or escaped, is part of it).
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      lastGroup = undefined;
      continue;
    }
    if (c === '(') {
      groups.push({ start: i, unbounded: false });
      lastGroup = undefined;
      continue;
    }
    if (c === ')') {
      lastGroup = groups.pop();
      if (lastGroup?.unbounded && groups.length > 0) groups.at(-1)!.unbounded = true;
      continue;
    }
    const unboundedHere = c === '*' || c === '+' || (c === '{' && /^\{\d+,\}/.test(source.slice(i)));
    if (unboundedHere) {
      if (lastGroup?.unbounded) {
        const end = c === '{' ? source.indexOf('}', i) : i;
        return `${source.slice(lastGroup.start, end + 1)} repeats a group that itself repeats without bound`;
      }
      for (const group of groups) group.unbounded = true;
    }
    lastGroup = undefined;
  }
  return undefined;
}
