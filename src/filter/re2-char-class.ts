// Character classes for the RE2 matcher: what one "consume a character" step accepts. Every
// character-consuming node (a literal, `.`, `[a-z]`, `\d`, `\pL`) becomes one CharClass, so the
// matcher has a single test. Classes follow Go's regexp/syntax with its Perl flags:
//   \d \s \w and [[:alpha:]]-style names are ASCII-only (\s is [\t\n\f\r ], no \v)
//   \pL, \p{Greek}, \P{Lu}, \p{^Greek}: Unicode general categories and scripts, tested with the JS
//      engine's own Unicode property escapes (the same Unicode data, one version apart at most;
//      JS's \p{C} also includes unassigned code points, Go's does not)
//   negated classes match "\n" (Go's ClassNL)
//   (?i) case folding: a character matches if it, or its single-character lower/upper case
//      forms, do. Go folds along full Unicode orbits (k, K, and the Kelvin sign K); we reach
//      the same orbit from most members but not every one.

export type CodePointRange = readonly [low: number, high: number];

export type ClassItem =
  | { readonly kind: 'ranges'; readonly ranges: readonly CodePointRange[]; readonly negated: boolean }
  | { readonly kind: 'property'; readonly test: RegExp; readonly negated: boolean };

export interface CharClass {
  readonly items: readonly ClassItem[];
  /** `[^...]`: the class matches what none of its items match. */
  readonly negated: boolean;
  /** Compiled under (?i). */
  readonly foldCase: boolean;
}

export function literalClass(codePoint: number, foldCase: boolean): CharClass {
  return { items: [{ kind: 'ranges', ranges: [[codePoint, codePoint]], negated: false }], negated: false, foldCase };
}

const newline = 0x0a;

/** `.`: any character but newline, or any at all under (?s). */
export function anyCharClass(matchNewline: boolean): CharClass {
  const ranges: CodePointRange[] = matchNewline ? [] : [[newline, newline]];
  return { items: [{ kind: 'ranges', ranges, negated: false }], negated: true, foldCase: false };
}

const perlClasses: Readonly<Record<string, readonly CodePointRange[]>> = {
  d: [[0x30, 0x39]],
  s: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]],
  w: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
};

/** \d \D \s \S \w \W as a class item; undefined for any other letter. */
export function perlClassItem(letter: string): ClassItem | undefined {
  const ranges = perlClasses[letter.toLowerCase()];
  if (ranges === undefined) return undefined;
  return { kind: 'ranges', ranges, negated: letter !== letter.toLowerCase() };
}

const posixClasses: Readonly<Record<string, readonly CodePointRange[]>> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

/** `alpha` or `^alpha` (the text between `[:` and `:]`) as a class item. */
export function posixClassItem(name: string): ClassItem | undefined {
  const negated = name.startsWith('^');
  const ranges = posixClasses[negated ? name.slice(1) : name];
  return ranges === undefined ? undefined : { kind: 'ranges', ranges, negated };
}

/** Go's unicode.Categories keys; anything else is tried as a script name (Greek, Han, Old_Italic). */
const generalCategories = new Set(['C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No', 'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs']);

/** \p{name} (negated for \P or a leading ^) as a class item, or undefined if the name is unknown. */
export function unicodeClassItem(name: string, negated: boolean): ClassItem | undefined {
  const caret = name.startsWith('^');
  const bare = caret ? name.slice(1) : name;
  let source: string;
  if (bare === 'Any') source = '^[\\s\\S]$';
  else if (generalCategories.has(bare)) source = `^\\p{${bare}}$`;
  else if (/^[A-Z][A-Za-z_]*$/.test(bare)) source = `^\\p{Script=${bare}}$`;
  else return undefined;
  try {
    return { kind: 'property', test: new RegExp(source, 'u'), negated: negated !== caret };
  } catch {
    return undefined;
  }
}

export function rangesItem(low: number, high: number): ClassItem {
  return { kind: 'ranges', ranges: [[low, high]], negated: false };
}

export function classMatches(charClass: CharClass, codePoint: number): boolean {
  let found = itemsMatch(charClass.items, codePoint);
  if (!found && charClass.foldCase) found = caseVariants(codePoint).some((variant) => itemsMatch(charClass.items, variant));
  return found !== charClass.negated;
}

function itemsMatch(items: readonly ClassItem[], codePoint: number): boolean {
  for (const item of items) {
    const inside = item.kind === 'ranges' ? inRanges(item.ranges, codePoint) : item.test.test(String.fromCodePoint(codePoint));
    if (inside !== item.negated) return true;
  }
  return false;
}

function inRanges(ranges: readonly CodePointRange[], codePoint: number): boolean {
  for (const [low, high] of ranges) if (codePoint >= low && codePoint <= high) return true;
  return false;
}

/** The other single-character case forms of a character, two steps deep (K → k → K). */
export function caseVariants(codePoint: number): number[] {
  const variants: number[] = [];
  const add = (candidate: number): void => {
    if (candidate !== codePoint && !variants.includes(candidate)) variants.push(candidate);
  };
  for (const first of singleCaseForms(codePoint)) {
    add(first);
    for (const second of singleCaseForms(first)) add(second);
  }
  return variants;
}

function singleCaseForms(codePoint: number): number[] {
  const text = String.fromCodePoint(codePoint);
  const forms: number[] = [];
  for (const mapped of [text.toLowerCase(), text.toUpperCase()]) {
    const first = mapped.codePointAt(0);
    // Mappings to several characters (ß → SS) are not simple folds; Go ignores them too.
    if (first !== undefined && String.fromCodePoint(first) === mapped) forms.push(first);
  }
  return forms;
}
