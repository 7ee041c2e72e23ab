// Exhaustiveness guard for switches over closed unions (opcodes, layer kinds, policies):
// with every case handled the argument has type `never`, so adding a member to the union
// makes tsc flag every switch that does not handle it yet.

/** Call in a switch's `default:`; throws if reached at run time (a value outside its type). */
export function unreachable(value: never, what = 'value'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}
