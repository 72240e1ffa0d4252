// The bounds on a ?filter= expression, each with its reason. They live here rather than in
// src/lib/limits.ts only because this area was written alongside that file; they belong there and
// can move without changing any caller (every use goes through `filterLimits`).

export const filterLimits = {
  /**
   * Longest expression accepted, in UTF-16 code units. A ?filter= travels in the request line,
   * which the HTTP server already caps at 16 KiB (limits.httpHeaderBytesMax), so no legitimate
   * filter is longer; the bound keeps parse and compile cost, and the size of any regex inside,
   * bounded for filters that arrive by other routes (RPC, prepared queries).
   */
  expressionLengthMax: 16 * 1024,
  /**
   * Deepest nesting of `(` and `not` in an expression. The parser and evaluator recurse once per
   * level; 64 is far beyond any hand-written filter and keeps the stack shallow whatever the input.
   */
  expressionNestingMax: 64,
  /**
   * Deepest nesting of groups inside a `matches` regex (Go allows 1000; our recursive parser
   * spends several stack frames per level, so we stop far earlier than the stack would).
   */
  regexNestingMax: 100,
  /**
   * Instructions in one compiled regex. Matching costs O(text length × instructions) per value,
   * so this bounds the CPU one `matches` can spend on a 4 KiB check output; `.{1000}` (Go's
   * largest single repeat) still fits.
   */
  regexInstructionsMax: 5000,
  /** Go's regexp/syntax limit on {n,m} counts. */
  regexRepeatCountMax: 1000,
} as const;
