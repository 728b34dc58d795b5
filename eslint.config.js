// ESLint flat config: typescript-eslint's type-checked recommended rules over src/ and test/.
// `npm run lint` runs it; `npm test` runs it too (test/lint.test.ts), so CI fails on a lint error.
import tseslint from 'typescript-eslint';

/** Test code: the *.test.ts files, the test helpers beside the code, and test/. */
const TEST_FILES = ['src/**/*.test.ts', 'src/**/test-helpers/**/*.ts', 'test/**/*.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-check/**', 'node_modules/**', 'fixtures/**', 'models/**', 'bench/**', 'scripts/**'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // As TypeScript's noUnusedLocals/noUnusedParameters: a name starting with "_" is unused on
      // purpose, and so are the properties destructured only to leave them out of a `...rest`.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: TEST_FILES,
    rules: {
      // Tests read what the code under test wrote — CLI stdout, server responses, model files —
      // through JSON.parse, which returns `any`, and then assert on its fields. Typing each of
      // those values would repeat the production types in every test without checking anything
      // more: the assertions check the values. The rest of the type-checked rules stay on.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
