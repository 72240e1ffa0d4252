// Parser for the regular expressions of `matches`, which Consul compiles with Go's regexp (RE2
// syntax, Perl flags). We do not hand them to JS RegExp, for two reasons:
//   1. Safety: RegExp backtracks, so `Checks.Output matches "(a*)*b"` against a 4 KiB output would
//      take exponential time on the server. RE2 syntax has no backreferences or lookaround, so it
//      can always run as an automaton in time linear in the text (re2-program.ts does that).
//   2. Fidelity: the syntaxes differ. Go rejects (?=, (?<=, \1, \Z and \C, which RegExp accepts;
//      Go has \A, \z, \Q..\E, (?U), [[:alpha:]], \pL and (?i) mid-pattern, which RegExp lacks;
//      `.` and `\s` differ in detail (RegExp's `.` also stops at \r and U+2028, its `\s` takes
//      \v and Unicode spaces). Parsing RE2 ourselves gives Go's meaning for every pattern.
// Errors read as Go's: "error parsing regexp: missing closing ): `(ab`". Captures mean nothing to
// a yes/no match, so named groups are checked as Go checks them and then treated as plain groups.

import { printable } from './filter-error.js';
import { limits } from '../lib/limits.js';
import type { CharClass, ClassItem } from './re2-char-class.js';
import { anyCharClass, literalClass, perlClassItem, posixClassItem, rangesItem, unicodeClassItem } from './re2-char-class.js';

export type EmptyCondition = 'beginText' | 'endText' | 'beginLine' | 'endLine' | 'wordBoundary' | 'notWordBoundary';

export type RegexNode =
  | { readonly type: 'empty' }
  | { readonly type: 'chars'; readonly charClass: CharClass }
  | { readonly type: 'assert'; readonly condition: EmptyCondition }
  | { readonly type: 'concat'; readonly items: readonly RegexNode[] }
  | { readonly type: 'alternate'; readonly items: readonly RegexNode[] }
  /** `max` is Infinity for *, + and {n,}. */
  | { readonly type: 'repeat'; readonly item: RegexNode; readonly min: number; readonly max: number };

/** A pattern Go's regexp would reject; `message` is Go's wording. */
export class RegexSyntaxError extends Error {
  override readonly name = 'RegexSyntaxError';
  constructor(code: string, fragment: string) {
    super(`error parsing regexp: ${code}: \`${printable(fragment)}\``);
  }
}

interface Flags {
  /** (?i) */ readonly foldCase: boolean;
  /** (?m): ^ and $ also match at line breaks. */ readonly multiLine: boolean;
  /** (?s): . also matches \n. */ readonly dotNewline: boolean;
}

const repeatPattern = /\{(0|[1-9][0-9]*)(?:(,)(0|[1-9][0-9]*)?)?\}/y;

export function parseRegex(pattern: string): RegexNode {
  return new RegexParser(pattern).parseWhole();
}

class RegexParser {
  private position = 0;
  private depth = 0;
  private flags: Flags = { foldCase: false, multiLine: false, dotNewline: false };
  private readonly groupNames = new Set<string>();

  constructor(private readonly pattern: string) {}

  parseWhole(): RegexNode {
    const node = this.parseAlternation();
    if (this.position < this.pattern.length) throw new RegexSyntaxError('unexpected )', this.pattern);
    return node;
  }

  private parseAlternation(): RegexNode {
    const items = [this.parseConcat()];
    while (this.peek() === '|') {
      this.position++;
      items.push(this.parseConcat());
    }
    return items.length === 1 ? (items[0] as RegexNode) : { type: 'alternate', items };
  }

  private parseConcat(): RegexNode {
    const items: RegexNode[] = [];
    while (this.position < this.pattern.length && this.peek() !== '|' && this.peek() !== ')') {
      const atom = this.parseAtom();
      if (atom !== undefined) items.push(this.parseRepetitions(atom));
    }
    if (items.length === 0) return { type: 'empty' };
    return items.length === 1 ? (items[0] as RegexNode) : { type: 'concat', items };
  }

  /** Quantifiers after an atom. Go rejects stacked ones (a**, a{2}{3}) rather than nesting them. */
  private parseRepetitions(atom: RegexNode): RegexNode {
    let node = atom;
    let previousStart = -1;
    for (;;) {
      const start = this.position;
      const bounds = this.readQuantifier();
      if (bounds === undefined) return node;
      if (this.peek() === '?') this.position++; // lazy: irrelevant to whether a match exists
      if (previousStart >= 0) throw new RegexSyntaxError('invalid nested repetition operator', this.pattern.slice(previousStart, this.position));
      node = { type: 'repeat', item: node, min: bounds.min, max: bounds.max };
      previousStart = start;
    }
  }

  private readQuantifier(): { min: number; max: number } | undefined {
    const char = this.peek();
    if (char === '*' || char === '+' || char === '?') {
      this.position++;
      return { min: char === '+' ? 1 : 0, max: char === '?' ? 1 : Infinity };
    }
    if (char !== '{') return undefined;
    repeatPattern.lastIndex = this.position;
    const match = repeatPattern.exec(this.pattern);
    if (match === null) return undefined; // not a valid {n,m}: the { is a literal, as in Go
    const text = match[0];
    this.position += text.length;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === undefined ? Infinity : Number(match[3]);
    const limit = limits.filterRegexRepeatCountMax;
    if (min > limit || (max !== Infinity && (max > limit || max < min))) throw new RegexSyntaxError('invalid repeat count', text);
    return { min, max };
  }

  /** One atom, or undefined for a flag group such as (?i) that only changes flags. */
  private parseAtom(): RegexNode | undefined {
    const char = this.peek() as string;
    switch (char) {
      case '(':
        return this.parseGroup();
      case '[':
        return { type: 'chars', charClass: this.parseClass() };
      case '.':
        this.position++;
        return { type: 'chars', charClass: anyCharClass(this.flags.dotNewline) };
      case '^':
        this.position++;
        return { type: 'assert', condition: this.flags.multiLine ? 'beginLine' : 'beginText' };
      case '$':
        this.position++;
        return { type: 'assert', condition: this.flags.multiLine ? 'endLine' : 'endText' };
      case '\\':
        return this.parseBackslash();
      case '*':
      case '+':
      case '?':
        throw new RegexSyntaxError('missing argument to repetition operator', char);
      case '{': {
        repeatPattern.lastIndex = this.position;
        const repeat = repeatPattern.exec(this.pattern);
        if (repeat !== null) throw new RegexSyntaxError('missing argument to repetition operator', repeat[0]);
        return this.literal(this.readCodePoint());
      }
      default:
        return this.literal(this.readCodePoint());
    }
  }

  private parseGroup(): RegexNode | undefined {
    const start = this.position;
    if (this.pattern.startsWith('(?', start)) {
      const named = /\(\?P?<(?![=!])/y;
      named.lastIndex = start;
      if (named.test(this.pattern)) {
        this.position = named.lastIndex;
        this.readGroupName(start);
        return this.parseGroupBody(this.flags);
      }
      return this.parseFlagGroup(start);
    }
    this.position++;
    return this.parseGroupBody(this.flags);
  }

  private readGroupName(start: number): void {
    const close = this.pattern.indexOf('>', this.position);
    if (close < 0) throw new RegexSyntaxError('invalid named capture', this.pattern.slice(start));
    const name = this.pattern.slice(this.position, close);
    const text = this.pattern.slice(start, close + 1);
    if (!/^[A-Za-z0-9_]+$/.test(name)) throw new RegexSyntaxError('invalid named capture', text);
    if (this.groupNames.has(name)) throw new RegexSyntaxError('duplicate capture group name', text);
    this.groupNames.add(name);
    this.position = close + 1;
  }

  /** (?flags) changes the flags until the enclosing group closes; (?flags:re) only inside re. */
  private parseFlagGroup(start: number): RegexNode | undefined {
    let flags = { ...this.flags };
    let negate = false;
    let sawFlag = false;
    for (let i = start + 2; i < this.pattern.length; i++) {
      const char = this.pattern[i] as string;
      const value = !negate;
      if (char === 'i') flags = { ...flags, foldCase: value };
      else if (char === 'm') flags = { ...flags, multiLine: value };
      else if (char === 's') flags = { ...flags, dotNewline: value };
      else if (char === 'U') flags = { ...flags }; // ungreedy: irrelevant to whether a match exists
      else if (char === '-' && !negate) {
        negate = true;
        sawFlag = false;
        continue;
      } else if ((char === ':' || char === ')') && !(negate && !sawFlag)) {
        this.position = i + 1;
        if (char === ':') return this.parseGroupBody(flags);
        this.flags = flags;
        return undefined;
      } else {
        throw new RegexSyntaxError('invalid or unsupported Perl syntax', this.pattern.slice(start, i + 1));
      }
      sawFlag = true;
    }
    throw new RegexSyntaxError('invalid or unsupported Perl syntax', this.pattern.slice(start));
  }

  /** The inside of a group up to its `)`; flags set inside do not leak out. */
  private parseGroupBody(flags: Flags): RegexNode {
    this.depth++;
    if (this.depth > limits.filterRegexNestingMax) throw new RegexSyntaxError('expression nests too deeply', this.pattern);
    const outer = this.flags;
    this.flags = flags;
    const body = this.parseAlternation();
    if (this.peek() !== ')') throw new RegexSyntaxError('missing closing )', this.pattern);
    this.position++;
    this.flags = outer;
    this.depth--;
    return body;
  }

  private parseBackslash(): RegexNode {
    const letter = this.pattern[this.position + 1] ?? ''; // '' = trailing backslash, reported by readEscape
    switch (letter) {
      case 'A':
      case 'z':
      case 'b':
      case 'B': {
        this.position += 2;
        const conditions = { A: 'beginText', z: 'endText', b: 'wordBoundary', B: 'notWordBoundary' } as const;
        return { type: 'assert', condition: conditions[letter] };
      }
      case 'Q':
        return this.parseQuoted();
      case 'p':
      case 'P':
        return this.classNode([this.readUnicodeClass()], false);
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
        this.position += 2;
        return this.classNode([perlClassItem(letter) as ClassItem], false);
      default:
        return this.literal(this.readEscape());
    }
  }

  /** \Q...\E: everything up to \E (or the end) is literal text. */
  private parseQuoted(): RegexNode {
    const bodyStart = this.position + 2;
    const end = this.pattern.indexOf('\\E', bodyStart);
    const body = this.pattern.slice(bodyStart, end < 0 ? undefined : end);
    this.position = end < 0 ? this.pattern.length : end + 2;
    const items: RegexNode[] = Array.from(body, (char) => this.literal(char.codePointAt(0) as number));
    return items.length === 1 ? (items[0] as RegexNode) : { type: 'concat', items };
  }

  private parseClass(): CharClass {
    const start = this.position;
    this.position++;
    const negated = this.peek() === '^';
    if (negated) this.position++;
    const items: ClassItem[] = [];
    let first = true; // a ] right after [ or [^ is a literal
    while (this.position < this.pattern.length && (this.peek() !== ']' || first)) {
      first = false;
      items.push(this.parseClassItem(start));
    }
    if (this.position >= this.pattern.length) throw new RegexSyntaxError('missing closing ]', this.pattern.slice(start));
    this.position++;
    return { items, negated, foldCase: this.flags.foldCase };
  }

  private parseClassItem(classStart: number): ClassItem {
    if (this.pattern.startsWith('[:', this.position)) {
      const close = this.pattern.indexOf(':]', this.position + 2);
      if (close >= 0) {
        const text = this.pattern.slice(this.position, close + 2);
        const item = posixClassItem(this.pattern.slice(this.position + 2, close));
        if (item === undefined) throw new RegexSyntaxError('invalid character class range', text);
        this.position = close + 2;
        return item;
      }
    }
    const next = this.pattern[this.position + 1];
    if (this.peek() === '\\' && (next === 'p' || next === 'P')) return this.readUnicodeClass();
    if (this.peek() === '\\' && next !== undefined && 'dDsSwW'.includes(next)) {
      this.position += 2;
      return perlClassItem(next) as ClassItem;
    }
    const rangeStart = this.position;
    const low = this.readClassChar(classStart);
    if (this.peek() !== '-' || this.pattern[this.position + 1] === ']' || this.position + 1 >= this.pattern.length) return rangesItem(low, low);
    this.position++;
    const high = this.readClassChar(classStart);
    if (high < low) throw new RegexSyntaxError('invalid character class range', this.pattern.slice(rangeStart, this.position));
    return rangesItem(low, high);
  }

  private readClassChar(classStart: number): number {
    if (this.position >= this.pattern.length) throw new RegexSyntaxError('missing closing ]', this.pattern.slice(classStart));
    return this.peek() === '\\' ? this.readEscape() : this.readCodePoint();
  }

  /** \pL, \p{Greek}, \P{Lu}, \p{^Greek}. */
  private readUnicodeClass(): ClassItem {
    const start = this.position;
    const negated = this.pattern[start + 1] === 'P';
    let name: string;
    if (this.pattern[start + 2] === '{') {
      const close = this.pattern.indexOf('}', start + 3);
      if (close < 0) throw new RegexSyntaxError('invalid character class range', this.pattern.slice(start));
      name = this.pattern.slice(start + 3, close);
      this.position = close + 1;
    } else {
      const codePoint = this.pattern.codePointAt(start + 2);
      if (codePoint === undefined) throw new RegexSyntaxError('invalid character class range', this.pattern.slice(start));
      name = String.fromCodePoint(codePoint);
      this.position = start + 2 + name.length;
    }
    const item = unicodeClassItem(name, negated);
    if (item === undefined) throw new RegexSyntaxError('invalid character class range', this.pattern.slice(start, this.position));
    return item;
  }

  /** A character escape (Go's parseEscape): punctuation, octal, \x, \a \f \n \r \t \v. */
  private readEscape(): number {
    const start = this.position;
    const letter = this.pattern.codePointAt(start + 1);
    if (letter === undefined) throw new RegexSyntaxError('trailing backslash at end of expression', '');
    const char = String.fromCodePoint(letter);
    this.position = start + 1 + char.length;
    const invalid = (): RegexSyntaxError => new RegexSyntaxError('invalid escape sequence', this.pattern.slice(start, this.position));
    if (letter < 0x80 && !/[0-9A-Za-z]/.test(char)) return letter;
    const controls: Readonly<Record<string, number>> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    const control = controls[char];
    if (control !== undefined) return control;
    if (char >= '0' && char <= '7') {
      // One non-zero digit alone would be a backreference, which RE2 does not have.
      const octal = /[0-7]{0,2}/y;
      octal.lastIndex = this.position;
      const more = (octal.exec(this.pattern) as RegExpExecArray)[0];
      if (char !== '0' && more === '') throw invalid();
      this.position += more.length;
      return parseInt(char + more, 8);
    }
    if (char === 'x') return this.readHexEscape(invalid);
    throw invalid();
  }

  private readHexEscape(invalid: () => RegexSyntaxError): number {
    const braced = /\{([0-9A-Fa-f]+)\}/y;
    const pair = /[0-9A-Fa-f]{2}/y;
    for (const form of [braced, pair]) {
      form.lastIndex = this.position;
      const match = form.exec(this.pattern);
      if (match === null) continue;
      this.position += match[0].length;
      const value = parseInt(match[1] ?? match[0], 16);
      if (value > 0x10ffff) throw invalid();
      return value;
    }
    throw invalid();
  }

  private classNode(items: ClassItem[], negated: boolean): RegexNode {
    return { type: 'chars', charClass: { items, negated, foldCase: this.flags.foldCase } };
  }

  private literal(codePoint: number): RegexNode {
    return { type: 'chars', charClass: literalClass(codePoint, this.flags.foldCase) };
  }

  private readCodePoint(): number {
    const codePoint = this.pattern.codePointAt(this.position) as number;
    this.position += codePoint > 0xffff ? 2 : 1;
    return codePoint;
  }

  private peek(): string | undefined {
    return this.pattern[this.position];
  }
}
