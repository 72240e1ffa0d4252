// Compiles a parsed RE2 expression into a Thompson automaton and searches text with it, in time
// O(text length × instructions): every position keeps at most one thread per instruction, so no
// pattern can make matching backtrack (the guarantee Go's regexp gives Consul). Only "is there a
// match anywhere" is needed, so there are no captures and no preference between threads.
//
// Semantics as Go's regexp.MatchString: unanchored search over code points (Go walks UTF-8 runes;
// a JS string's code points are the same characters); ^ $ without (?m) are text start and end
// only (Go's `$` never matches before a final "\n"); \b is an ASCII word boundary.

import { assert, unreachable } from '../lib/assert.js';
import { limits } from '../lib/limits.js';
import { classMatches, type CharClass } from './re2-char-class.js';
import { parseRegex, RegexSyntaxError, type EmptyCondition, type RegexNode } from './re2-syntax.js';

type Instruction =
  | { op: 'consume'; charClass: CharClass; next: number }
  | { op: 'split'; first: number; second: number }
  | { op: 'assert'; condition: EmptyCondition; next: number }
  | { op: 'match' };

export interface RegexProgram {
  readonly source: string;
  readonly instructions: readonly Readonly<Instruction>[];
  readonly start: number;
}

export type RegexCompilation = { readonly ok: true; readonly program: RegexProgram } | { readonly ok: false; readonly reason: string };

/** Parses and compiles `pattern`; a pattern Go's regexp.Compile rejects is rejected here too. */
export function compileRegex(pattern: string): RegexCompilation {
  try {
    const node = parseRegex(pattern);
    const instructions: Instruction[] = [{ op: 'match' }];
    const start = emitNode(instructions, node, 0);
    return { ok: true, program: { source: pattern, instructions, start } };
  } catch (error) {
    if (error instanceof RegexSyntaxError) return { ok: false, reason: error.message };
    throw error;
  }
}

/** Appends an instruction and returns its index, refusing to grow past the size limit. */
function emit(instructions: Instruction[], instruction: Instruction): number {
  if (instructions.length >= limits.filterRegexInstructionsMax) {
    throw new RegexSyntaxError('expression too large', `more than ${limits.filterRegexInstructionsMax} instructions`);
  }
  instructions.push(instruction);
  return instructions.length - 1;
}

/**
 * Emits `node` so that after matching it the automaton continues at `next`; returns the index of
 * its first instruction. Built back to front, so every continuation already exists.
 */
function emitNode(instructions: Instruction[], node: RegexNode, next: number): number {
  switch (node.type) {
    case 'empty':
      return next;
    case 'chars':
      return emit(instructions, { op: 'consume', charClass: node.charClass, next });
    case 'assert':
      return emit(instructions, { op: 'assert', condition: node.condition, next });
    case 'concat': {
      let continuation = next;
      for (let i = node.items.length - 1; i >= 0; i--) continuation = emitNode(instructions, node.items[i] as RegexNode, continuation);
      return continuation;
    }
    case 'alternate': {
      const starts = node.items.map((item) => emitNode(instructions, item, next));
      let entry = starts[starts.length - 1] as number;
      for (let i = starts.length - 2; i >= 0; i--) entry = emit(instructions, { op: 'split', first: starts[i] as number, second: entry });
      return entry;
    }
    case 'repeat':
      return emitRepeat(instructions, node, next);
    default:
      return unreachable(node);
  }
}

/** x{min,max} as min copies of x followed by (max − min) nested optional copies, or a loop. */
function emitRepeat(instructions: Instruction[], node: Extract<RegexNode, { type: 'repeat' }>, next: number): number {
  let tail = next;
  if (node.max === Infinity) {
    // loop: split(body → loop, next). The split exists before the body so the body can return to it.
    const loop = emit(instructions, { op: 'split', first: -1, second: next });
    const body = emitNode(instructions, node.item, loop);
    instructions[loop] = { op: 'split', first: body, second: next };
    tail = loop;
  } else {
    for (let i = node.min; i < node.max; i++) {
      const body = emitNode(instructions, node.item, tail);
      tail = emit(instructions, { op: 'split', first: body, second: next });
    }
  }
  for (let i = 0; i < node.min; i++) tail = emitNode(instructions, node.item, tail);
  return tail;
}

/** Whether `program` matches anywhere in `text` (Go's regexp.MatchString). */
export function regexSearch(program: RegexProgram, text: string): boolean {
  const codePoints = Array.from(text, (char) => char.codePointAt(0) as number);
  const search = new Search(program, codePoints);
  return search.run();
}

class Search {
  /** seen[pc] = the position for which instruction pc was last added: one thread per instruction. */
  private readonly seen: Int32Array;
  private readonly stack: number[] = [];

  constructor(
    private readonly program: RegexProgram,
    private readonly text: readonly number[],
  ) {
    this.seen = new Int32Array(program.instructions.length).fill(-1);
  }

  run(): boolean {
    let current: number[] = [];
    let following: number[] = [];
    for (let position = 0; position <= this.text.length; position++) {
      // Unanchored search: a new attempt starts at every position.
      if (this.addThread(current, this.program.start, position)) return true;
      if (position === this.text.length) return false;
      const codePoint = this.text[position] as number;
      for (const pc of current) {
        const instruction = this.program.instructions[pc] as Instruction;
        assert(instruction.op === 'consume', 'only consuming instructions wait in a thread list');
        if (classMatches(instruction.charClass, codePoint) && this.addThread(following, instruction.next, position + 1)) return true;
      }
      [current, following] = [following, []];
    }
    return false;
  }

  /** Follows empty transitions from `pc` at `position`; true as soon as the match state is reached. */
  private addThread(list: number[], pc: number, position: number): boolean {
    this.stack.push(pc);
    while (this.stack.length > 0) {
      const at = this.stack.pop() as number;
      if (this.seen[at] === position) continue;
      this.seen[at] = position;
      const instruction = this.program.instructions[at] as Instruction;
      switch (instruction.op) {
        case 'match':
          this.stack.length = 0;
          return true;
        case 'consume':
          list.push(at);
          break;
        case 'split':
          this.stack.push(instruction.second, instruction.first);
          break;
        case 'assert':
          if (this.holds(instruction.condition, position)) this.stack.push(instruction.next);
          break;
        default:
          return unreachable(instruction);
      }
    }
    return false;
  }

  private holds(condition: EmptyCondition, position: number): boolean {
    const before = position > 0 ? (this.text[position - 1] as number) : -1;
    const after = position < this.text.length ? (this.text[position] as number) : -1;
    switch (condition) {
      case 'beginText':
        return position === 0;
      case 'endText':
        return position === this.text.length;
      case 'beginLine':
        return position === 0 || before === 0x0a;
      case 'endLine':
        return position === this.text.length || after === 0x0a;
      case 'wordBoundary':
        return isWordChar(before) !== isWordChar(after);
      case 'notWordBoundary':
        return isWordChar(before) === isWordChar(after);
      default:
        return unreachable(condition);
    }
  }
}

function isWordChar(codePoint: number): boolean {
  return (codePoint >= 0x30 && codePoint <= 0x39) || (codePoint >= 0x41 && codePoint <= 0x5a) || (codePoint >= 0x61 && codePoint <= 0x7a) || codePoint === 0x5f;
}
