/**
 * V8's one copy of a string's characters (its string table's), for a string kept as a name that
 * many lines share (a kind, an upstream key, a server or host name): every copy made so is then
 * the same object.
 *
 * Why: a failure is looked up by its upstream key in Maps, and its kind and names are compared
 * with `===`, and such a string comes from more than one place (the reader thread's batch message,
 * this thread's own cut of a line, a cache of either). Two strings of the same characters that are
 * not the same object compare by their characters: a Map.get of a 23-character key took ~90 ns so
 * against ~15 ns when the key was the object the Map holds (node 20, 1.12 M lookups). Two of V8's
 * table's strings are equal only if they are the same object, and unequal at once otherwise.
 *
 * How: a property key is put in that table, and Object.keys gives back the table's copy. Called
 * once per string made, not per line. The characters are the same whatever V8 does: a string that
 * is an array index (`"123"`) comes back as a copy of its own, equal but not shared.
 */
export function internalized(s: string): string {
  return Object.keys({ [s]: 0 })[0]!;
}
