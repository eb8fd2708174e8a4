// Lint rules. The one architectural rule lives here: server/src/core/ is the pure engine
// shared by the CLI, the language server and the extension, so it may import only `yaml`,
// `ajv` and its own relative modules (plus the schema JSON).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'out/**',
      'test-results/**',
      'bench/results/**',
      '.demo/**',
      'test/fixtures/**',
      'server/src/core/schema-validator.generated.js',
      'server/src/core/unicode-names.generated.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  { files: ['test/vscode/suite/**/*.js'], languageOptions: { globals: { ...globals.mocha } } },
  // Playwright drivers pass functions to page.evaluate, which run in the browser.
  {
    files: ['test/vscode/**/*.mjs'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  { files: ['client/webview/**/*.ts'], languageOptions: { globals: { ...globals.browser } } },
  {
    files: ['server/src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!(yaml|ajv)(/.*)?$)(?!\\.{1,2}/).*',
              message:
                'server/src/core is the pure engine: import only yaml, ajv and relative modules. Put git, LSP or VS Code code in server/src/git, server/src/lsp or client/.',
            },
          ],
        },
      ],
    },
  },
);
