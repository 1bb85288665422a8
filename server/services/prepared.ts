// drizzle builds the SQL text and SQLite compiles it on every unprepared call: ~90 µs per query
// against ~13 µs for a prepared one (measured on our machine). The hot request paths (sign-in
// check, ticket submission) therefore build each statement once per database handle.

/**
 * Returns a getter that builds `build(handle)` on first use and reuses it for that handle.
 * A drizzle transaction handle is a fresh object each time, so pass the root `db` (same SQLite
 * connection, so the statement still runs inside the open transaction).
 */
export function preparedPer<H extends object, S>(build: (handle: H) => S): (handle: H) => S {
  const cache = new WeakMap<H, S>();
  return (handle) => {
    let statements = cache.get(handle);
    if (statements === undefined) {
      statements = build(handle);
      cache.set(handle, statements);
    }
    return statements;
  };
}
