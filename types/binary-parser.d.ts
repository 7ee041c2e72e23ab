// binary-parser's package.json "exports" hides its typings from NodeNext resolution;
// point the bare specifier at the shipped declarations.
declare module 'binary-parser' {
  export { Parser } from 'binary-parser/dist/binary_parser.js';
}
