// Type-aware linting. `no-floating-promises` is the rule that matters most here: an Operation is
// a thenable, so an Operation created and never run (`sleep(10);` instead of `yield* sleep(10)`)
// is reported like a floating promise. Calls documented as "takes effect at once" are exempt:
// kill/killAll/killone, and a server's start() or a socket's listen()/bind() (run the returned
// Operation only to wait for the bind and see its error).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', '.build/', 'node_modules/', 'scripts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          checkThenables: true,
          allowForKnownSafeCalls: [
            { from: 'file', name: ['kill', 'killAll', 'killone', 'start', 'listen', 'bind'] },
            {
              from: 'package',
              package: 'greenlets',
              name: ['kill', 'killAll', 'killone', 'start', 'listen', 'bind'],
            },
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'require-yield': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-this-alias': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
