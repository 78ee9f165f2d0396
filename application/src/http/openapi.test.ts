import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

import { openApiDocument } from './openapi';
import { ROUTES } from './routes';

// The document the node serves, as tools outside the project read it: a maintained OpenAPI linter finds nothing
// to say about it, and a client generated from it (openapi-typescript) typechecks against the server's own types.

/** ESM-only packages, loaded as such from this CommonJS test module; what this test uses of them. */
const load = <T>(name: string): Promise<T> => import(name) as Promise<T>;
interface Redocly {
  createConfig(config: { extends: string[] }): Promise<unknown>;
  lintFromString(options: {
    source: string;
    absoluteRef: string;
    config: unknown;
  }): Promise<{ severity: string; ruleId: string; message: string; location: { pointer?: string }[] }[]>;
}
interface OpenapiTypescript {
  readonly default: (schema: string) => Promise<unknown>;
  readonly astToString: (ast: unknown) => string;
}

describe('the OpenAPI document', () => {
  it('gives every operation a unique operationId, taken from the route declarations', () => {
    const ids = Object.values(openApiDocument.paths).flatMap((ops) =>
      Object.values(ops).map((op) => (op as { operationId?: string }).operationId),
    );
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(ROUTES.filter((r) => r.mount !== 'root').length);
  });

  it('passes the Redocly linter (recommended rules) without an error or a warning', async () => {
    const redocly = await load<Redocly>('@redocly/openapi-core');
    const config = await redocly.createConfig({ extends: ['recommended'] });
    const lint = async (doc: unknown) =>
      (
        await redocly.lintFromString({
          source: JSON.stringify(doc),
          absoluteRef: join(tmpdir(), 'openapi.json'),
          config,
        })
      ).map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? ''}`);
    expect(await lint(openApiDocument)).toEqual([]);
    // The linter is awake: the same document with one operationId taken away is warned about.
    const without = structuredClone(openApiDocument) as unknown as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    delete without.paths['/me']?.get?.operationId;
    expect(await lint(without)).toEqual([
      expect.stringMatching(/^warn operation-operationId: .* at #\/paths\/~1me\/get\/operationId$/),
    ]);
  }, 60_000);

  it('generates a client (openapi-typescript) whose types typecheck against the server types (apiTypes.ts)', async () => {
    const { default: openapiTS, astToString } = await load<OpenapiTypescript>('openapi-typescript');
    const out = mkdtempSync(join(tmpdir(), 'tallystick-client-'));
    try {
      writeFileSync(join(out, 'api.ts'), astToString(await openapiTS(JSON.stringify(openApiDocument))));
      const names = Object.keys(openApiDocument.components.schemas);
      const apiTypes = join(__dirname, 'apiTypes').replaceAll('\\', '/');
      // Each component of the document both ways (read-only as the server's types are), and a client call typed by
      // the generated paths that hands its answer on as the server's type.
      writeFileSync(
        join(out, 'client.ts'),
        [
          `import type { components, paths } from './api';`,
          `import type * as Api from '${apiTypes}';`,
          'type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;',
          'type Generated<K extends keyof components["schemas"]> = DeepReadonly<components["schemas"][K]>;',
          'declare function value<T>(): T;',
          ...names.flatMap((n) => [
            `export const from${n}: Api.${n} = value<Generated<'${n}'>>();`,
            `export const to${n}: Generated<'${n}'> = value<Api.${n}>();`,
          ]),
          `type Answer<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: { 200: { content: { 'application/json': infer B } } } } ? B : never;`,
          `export async function getBreak(base: string, breakId: string, token: string): Promise<Api.Break | Api.SealedBreak> {`,
          `  const res = await fetch(\`\${base}/v1/breaks/\${encodeURIComponent(breakId)}\`, { headers: { authorization: \`Bearer \${token}\` } });`,
          `  const body: Answer<'/breaks/{breakId}', 'get'> = (await res.json()) as Answer<'/breaks/{breakId}', 'get'>;`,
          `  return body;`,
          `}`,
          `export const problem: Api.Problem = value<DeepReadonly<components['schemas']['Problem']>>();`,
        ].join('\n'),
      );
      const program = ts.createProgram([join(out, 'client.ts')], {
        strict: true,
        noUncheckedIndexedAccess: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.Node16,
        moduleResolution: ts.ModuleResolutionKind.Node16,
        lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
        types: [],
        skipLibCheck: true,
        noEmit: true,
      });
      const diagnostics = ts
        .getPreEmitDiagnostics(program)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n').slice(0, 600));
      expect(diagnostics).toEqual([]);
      expect(names.length).toBeGreaterThan(25);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
