import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** DESIGN.md section 2: no import cycles. Builds the graph of relative imports in src/ and looks for a cycle. */
const srcRoot = path.resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      return sourceFiles(full);
    }
    return name.endsWith('.ts') ? [full] : [];
  });
}

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(srcRoot)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => {
        const base = path.resolve(path.dirname(file), name);
        return (
          [`${base}.ts`, path.join(base, 'index.ts')].find(
            (candidate) => graph.has(candidate) || existsTs(candidate),
          ) ?? `${base}.ts`
        );
      });
    graph.set(file, targets);
  }
  return graph;
}

function existsTs(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** One cycle as a list of files, or undefined. Type-only imports count too: they still couple the modules. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === 'done') {
      return undefined;
    }
    if (state.get(file) === 'visiting') {
      return [...stack.slice(stack.indexOf(file)), file];
    }
    state.set(file, 'visiting');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next);
      if (cycle) {
        return cycle;
      }
    }
    stack.pop();
    state.set(file, 'done');
    return undefined;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) {
      return cycle;
    }
  }
  return undefined;
}

describe('lint: import cycles', () => {
  it('finds a planted cycle (the check works)', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
    ]);

    expect(findCycle(graph)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('src/ has no import cycle', () => {
    const graph = importGraph();

    expect(graph.size).toBeGreaterThan(50);
    expect(findCycle(graph)?.map((f) => path.relative(srcRoot, f))).toBeUndefined();
  });
});
