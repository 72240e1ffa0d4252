// Goal: every error code has an HTTP status (a client or server error) and a meaning, TaxiwayError
// takes its status from the catalogue, and docs/errors.md lists exactly the codes of
// errorCatalogue with the same HTTP statuses, so the two cannot drift (style guide rule 9).
// Method: table checks over errorCatalogue; the doc's `| code | HTTP status | meaning |` table is
// parsed and compared with the catalogue.

import { readFileSync } from 'node:fs';
import test from 'ava';
import { badRequest, conflict, errorCatalogue, type ErrorCode, isTaxiwayError, noPathToDatacenter, notFound, payloadTooLarge, TaxiwayError } from '../../src/lib/errors.js';

const codes = Object.keys(errorCatalogue) as ErrorCode[];

for (const code of codes) {
  test(`${code} has an HTTP error status and a meaning, and TaxiwayError uses them`, (t) => {
    const { httpStatus, meaning } = errorCatalogue[code];
    t.true(Number.isInteger(httpStatus) && httpStatus >= 400 && httpStatus <= 599, `status ${httpStatus}`);
    t.true(meaning.length > 10);
    const error = new TaxiwayError(code, 'message');
    t.is(error.httpStatus, httpStatus);
    t.is(error.code, code);
    t.is(error.message, 'message');
    t.true(isTaxiwayError(error));
    t.deepEqual(error.headers, {});
  });
}

test('codes are snake_case', (t) => {
  for (const code of codes) t.regex(code, /^[a-z]+(_[a-z]+)*$/);
});

test('the helpers build the codes their names say', (t) => {
  const cases: [TaxiwayError, ErrorCode, number][] = [
    [badRequest('x'), 'bad_request', 400],
    [notFound('x'), 'not_found', 404],
    [payloadTooLarge('x'), 'payload_too_large', 413],
    [conflict('x'), 'conflict', 500],
    [noPathToDatacenter(), 'no_path_to_datacenter', 500],
  ];
  for (const [error, code, status] of cases) {
    t.is(error.code, code);
    t.is(error.httpStatus, status);
  }
  t.is(noPathToDatacenter().message, 'No path to datacenter');
  t.false(isTaxiwayError(new Error('x')));
});

/** The rows of the first markdown table whose header is `| code | HTTP status | meaning |`. */
function documentedCodes(markdown: string): Map<string, number> {
  const lines = markdown.split('\n');
  const header = lines.findIndex((line) => /^\|\s*code\s*\|\s*HTTP status\s*\|\s*meaning\s*\|\s*$/i.test(line.trim()));
  const rows = new Map<string, number>();
  if (header === -1) return rows;
  for (const line of lines.slice(header + 2)) {
    if (!line.trim().startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    const code = (cells[0] ?? '').replace(/`/g, '');
    rows.set(code, Number(cells[1]));
  }
  return rows;
}

test('docs/errors.md lists exactly the codes of errorCatalogue, with their HTTP statuses', (t) => {
  // The test runs from dist/test/lib/; the doc lives at the repository root.
  const markdown = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const documented = documentedCodes(markdown);
  t.true(documented.size > 0, 'docs/errors.md has a | code | HTTP status | meaning | table');
  const expected = new Map(codes.map((code) => [code, errorCatalogue[code].httpStatus]));
  t.deepEqual([...documented].sort(), [...expected].sort());
});
