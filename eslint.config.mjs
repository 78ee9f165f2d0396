// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'bench/results/**',
      '.tallystick/**',
      'network/fabric/.bin/**',
      'network/fabric/.run/**',
      'application/console/dist/**',
      '**/*.mjs',
      '**/*.js',
    ],
  },
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The domain core is pure: no I/O, no clock, no randomness, no Fabric. Same input, same output, on every peer.
    files: ['chaincode/src/core/**/*.ts'],
    ignores: ['chaincode/src/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'crypto', 'path', 'os', 'child_process', 'http', 'https', 'net'],
              message: 'The core is pure: no Node built-ins.',
            },
            {
              group: ['fabric-*', '@hyperledger/*', 'pg', 'express'],
              message: 'The core knows nothing of Fabric, PostgreSQL or HTTP.',
            },
            {
              group: ['../ledger/*', '../contract/*'],
              message: 'The core imports nothing from the layers above it.',
            },
          ],
        },
      ],
    },
  },
  {
    // Chaincode as a whole must be deterministic too.
    files: ['chaincode/src/**/*.ts'],
    ignores: ['chaincode/src/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'Chaincode time is the transaction timestamp.',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Chaincode time is the transaction timestamp.',
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'Chaincode is deterministic.',
        },
      ],
    },
  },
  {
    // The core on top of that keeps no state between calls. (Listed after the block above: a later block's
    // no-restricted-syntax replaces an earlier one's, so this repeats its selectors.)
    files: ['chaincode/src/core/**/*.ts'],
    ignores: ['chaincode/src/core/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'Chaincode time is the transaction timestamp: pass it in.',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Chaincode time is the transaction timestamp: pass it in.',
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'Chaincode is deterministic: no randomness.',
        },
        {
          selector:
            "Program > VariableDeclaration[kind!='const'], Program > ExportNamedDeclaration > VariableDeclaration[kind!='const']",
          message:
            'The core keeps no state between calls: no module-level let or var (speed tricks belong in network/embedded or behind a named codec).',
        },
      ],
    },
  },
  {
    // The shapes the contract shares with applications: declarations only, from the core, no Fabric.
    files: ['chaincode/src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['fabric-*', '@hyperledger/*', '../contract/*', '../ledger/*', 'node:*'],
              message: 'chaincode/src/api holds shapes only: it imports nothing but the core.',
            },
          ],
        },
      ],
    },
  },
  {
    // The application reaches the ledger through the LedgerGateway seam: it never imports the contract's
    // implementation (its shapes are in chaincode/src/api), and only the embedded transport knows the embedded
    // network.
    files: ['application/src/**/*.ts', 'application/console/src/**/*.{ts,tsx}'],
    ignores: ['application/src/ledger/embeddedLedger.ts', 'application/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/chaincode/src/contract', '**/chaincode/src/contract/*'],
              message:
                'The application uses the contract through LedgerGateway; shared shapes are in chaincode/src/api.',
            },
            {
              group: ['**/network/embedded/**'],
              message:
                'Only the embedded transport (application/src/ledger/embeddedLedger.ts) imports network/embedded.',
            },
          ],
        },
      ],
    },
  },
  {
    // The read model (every SQL statement of the index) knows nothing of who calls it. This block replaces the
    // one above for these files, so it repeats its patterns.
    files: ['application/src/readModel/**/*.ts'],
    ignores: ['application/src/readModel/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/chaincode/src/contract', '**/chaincode/src/contract/*', '**/network/**'],
              message: 'The read model sees the ledger only through the LedgerGateway seam and the core.',
            },
            {
              group: [
                '**/http',
                '**/http/*',
                '**/indexer',
                '**/indexer/*',
                '**/ingest',
                '**/ingest/*',
                '**/node/*',
              ],
              message: 'The read model is called by http/, indexer/ and node/; it never imports them.',
            },
          ],
        },
      ],
    },
  },
);
