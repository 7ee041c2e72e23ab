export * from './opcodes.ts';
export * from './instruction.ts';
