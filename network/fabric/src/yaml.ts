/**
 * A deliberately small YAML writer for the configuration files this launcher generates (configtx.yaml,
 * MSP config.yaml). Fabric reads them with viper/go-yaml; everything we emit is plain block mappings and
 * sequences of scalars, so a dependency would buy nothing. Strings are always double-quoted (JSON string
 * syntax is valid YAML), which sidesteps YAML's implicit typing ("no", "1.0", "*").
 */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

function isBlock(value: YamlValue): value is YamlValue[] | { [key: string]: YamlValue } {
  if (Array.isArray(value)) return value.length > 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}

function emptyCollection(value: YamlValue): string | undefined {
  if (Array.isArray(value) && value.length === 0) return '[]';
  if (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 0
  ) {
    return '{}';
  }
  return undefined;
}

function render(value: YamlValue, indent: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (isBlock(item)) {
        const [first = '', ...rest] = render(item, `${indent}  `);
        return [`${indent}- ${first.trimStart()}`, ...rest];
      }
      return [`${indent}- ${emptyCollection(item) ?? scalar(item)}`];
    });
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => {
      if (isBlock(item)) return [`${indent}${key}:`, ...render(item, `${indent}  `)];
      return [`${indent}${key}: ${emptyCollection(item) ?? scalar(item)}`];
    });
  }
  return [`${indent}${scalar(value)}`];
}

export function toYaml(value: YamlValue): string {
  return `${render(value, '').join('\n')}\n`;
}
