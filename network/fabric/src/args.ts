import { resolve } from 'node:path';

/** The value after `--<name>`, if the option is given; an option without its value is an error naming it. */
export function optionValue(args: readonly string[], name: string, what: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  if (index === -1) return undefined;
  const value = args[index + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs ${what}`);
  return value;
}

/** `--chaincode <name> --module <folder>` (both or neither), the folder relative to the repository. */
export function parseSecondChaincode(
  args: readonly string[],
  repoRoot: string,
): { name: string; modulePath: string } | undefined {
  const name = optionValue(args, 'chaincode', 'a chaincode name');
  const module = optionValue(args, 'module', 'the folder of the chaincode server');
  if (name === undefined && module === undefined) return undefined;
  if (name === undefined || module === undefined)
    throw new Error('--chaincode and --module go together: the name and the folder the server loads');
  return { name, modulePath: resolve(repoRoot, module) };
}
