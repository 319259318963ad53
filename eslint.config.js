import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';

/** TypeScript (main, engine, tests) and Svelte (renderer) with the recommended rules; types are checked by `npm run typecheck`. */
export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', '.tmp/', 'docs/', 'resources/', '**/*.d.ts'] },
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  // Tests read JSON back from files and processes; typing every such value would only add noise.
  { files: ['tests/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
