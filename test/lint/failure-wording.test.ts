import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * One failure reply and one ref format (issue 16): every user-facing "something went wrong (ref …)" comes from
 * src/commands/report-error.ts (failureRef, failureMessage, failureReply). This scans the string and template
 * literals of src/ (comments may name the wording) for a second wording or a ref built elsewhere.
 */
const root = path.resolve(__dirname, '../..');
const OWNER = 'src/commands/report-error.ts';

/** Wordings of an unexpected failure, or of its ref, that only the owner may write. */
const FAILURE_WORDINGS: RegExp[] = [
  /went wrong/i,
  /\(ref\b/i,
  /\bref:/i,
  /give an admin/i,
  /\bref(?:erence)? (?:id|number|code)\b/i,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return sourceFiles(full);
    }
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The text of every string and template literal in `text`, with the line it starts on. */
export function literals(fileName: string, text: string): { line: number; text: string }[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: { line: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      found.push({ line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: node.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** `file:line: literal` for each literal of `text` that words a failure, unless `file` is the owner. */
export function secondWordings(file: string, text: string): string[] {
  if (file === OWNER) {
    return [];
  }
  return literals(file, text)
    .filter((literal) => FAILURE_WORDINGS.some((pattern) => pattern.test(literal.text)))
    .map((literal) => `${file}:${literal.line}: ${literal.text}`);
}

describe('one failure reply and one ref format', () => {
  it('only src/commands/report-error.ts words an unexpected failure or its ref', () => {
    const offenders = sourceFiles(path.join(root, 'src'))
      // The simulator imitates VCD's own error documents, which are not labbot's replies.
      .filter((full) => !full.includes(`${path.sep}vcdsim${path.sep}`))
      .flatMap((full) =>
        secondWordings(path.relative(root, full).split(path.sep).join('/'), readFileSync(full, 'utf8')),
      );
    expect(offenders).toEqual([]);
  });

  it('only src/commands/report-error.ts builds a ref (base 36, failureRef)', () => {
    const builders = sourceFiles(path.join(root, 'src'))
      .filter((full) => !full.includes(`${path.sep}vcdsim${path.sep}`))
      .map((full) => path.relative(root, full).split(path.sep).join('/'))
      .filter((file) => file !== OWNER && /toString\(36\)/.test(readFileSync(path.join(root, file), 'utf8')));
    expect(builders).toEqual([]);
  });

  it('the owner does word it (so the scan would see a copy)', () => {
    const owner = readFileSync(path.join(root, OWNER), 'utf8');
    expect(secondWordings('src/x.ts', owner).length).toBeGreaterThan(0);
  });

  it('finds a second wording in a string or template literal, not in a comment', () => {
    expect(secondWordings('src/slack/x.ts', "const a = 'Oops, something went wrong';\n")).toHaveLength(1);
    expect(secondWordings('src/shell/x.ts', 'const a = (r: string) => `failed (ref ${r})`;\n')).toHaveLength(
      1,
    );
    expect(
      secondWordings('src/slack/x.ts', '// says "something went wrong (ref …)"\nconst a = 1;\n'),
    ).toEqual([]);
  });
});
