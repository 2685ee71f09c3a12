/**
 * Queries built and compiled once and run many times with new values. Kysely builds an operation tree and compiles
 * it to SQL on every call, which for the store's hottest queries (the `/lab list` select, the replay guard's insert)
 * cost as much CPU as SQLite running them (issue 17 target 4). Their SQL depends only on the query's shape, never on
 * the values, which are bound parameters: compiled once with stand-in values, each call reuses the SQL (and so the
 * statement cache's prepared statement) with its own values in the same order. Plugins of the Kysely instance
 * transform the query once, when it is compiled; labbot's store uses none.
 */
import { type Compilable, type CompiledQuery } from 'kysely';

/** A compiled query's SQL with new parameter values, in the order the compiled query binds them. */
export type CompiledQueryOf<R> = (parameters: readonly unknown[]) => CompiledQuery<R>;

/**
 * Compiles `query` (built with stand-in values) once.
 * @returns a function giving the compiled query with `parameters` in place of the stand-ins; it throws an Error
 * when their number differs from the stand-ins' (a value the builder inlined instead of binding, say).
 */
export function compiledOnce<R>(query: Compilable<R>): CompiledQueryOf<R> {
  const compiled = query.compile();
  const expected = compiled.parameters.length;
  return (parameters) => {
    if (parameters.length !== expected) {
      throw new Error(
        `compiled query takes ${expected} parameters, got ${parameters.length}: ${compiled.sql}`,
      );
    }
    return { ...compiled, parameters };
  };
}
