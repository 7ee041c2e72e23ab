// Lint: typescript-eslint's recommended rules, plus the project's determinism rule for
// code that must run on board cycles only (emulator, compiler, scheduler).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Typed rules: a forgotten promise is a lost error; an exhaustive switch makes tsc and
      // lint list every place to touch when an opcode, layer kind or policy is added.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: [
      'boards/emulator/**/*.ts',
      'runtime/compiler/**/*.ts',
      'runtime/scheduler/**/*.ts',
      'runtime/admission/**/*.ts',
      'runtime/regulator/**/*.ts',
    ],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Board time is the cycle counter.' },
        { object: 'Math', property: 'random', message: 'Use the seeded generator passed in.' },
        { object: 'performance', property: 'now', message: 'Board time is the cycle counter.' },
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval'],
    },
  },
);
