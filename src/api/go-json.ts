// JSON as Go's encoding/json writes it, for output that scripts written against Consul parse:
// the same text as JSON.stringify except that "<", ">", "&", U+2028 and U+2029 are escaped
// (json.Marshal's HTML-safe default).

function escapeLikeGo(text: string): string {
  return text.replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** json.MarshalIndent(value, "", indent). */
export function goJsonIndent(value: unknown, indent: string): string {
  return escapeLikeGo(JSON.stringify(value, null, indent) ?? 'null');
}

/** json.NewEncoder(w).Encode(value): compact, with a trailing newline. */
export function goJsonLine(value: unknown): string {
  return `${escapeLikeGo(JSON.stringify(value) ?? 'null')}\n`;
}
