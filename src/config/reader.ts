import { KatarError } from '../errors.js';

/** The one config error: CONFIG_INVALID naming the key, with what is wrong in words. */
export function fail(key: string, why: string): never {
  throw new KatarError('CONFIG_INVALID', `config: ${key} ${why}`, { key });
}

export type Obj = Record<string, unknown>;

/** Reads one object of the config: each key checked, errors naming its full path. */
export class Reader {
  constructor(
    readonly obj: Obj,
    readonly path: string,
  ) {}

  static of(value: unknown, path: string): Reader {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object');
    return new Reader(value as Obj, path);
  }

  key(k: string): string {
    return this.path ? `${this.path}.${k}` : k;
  }

  allow(...keys: string[]): void {
    for (const k of Object.keys(this.obj)) if (!keys.includes(k)) fail(this.key(k), `is not a known option (known here: ${keys.join(', ')})`);
  }

  int(k: string, def: number, min: number, max: number): number {
    const v = this.obj[k] ?? def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(this.key(k), `must be an integer from ${min} to ${max}`);
    return v;
  }

  num(k: string, def: number, min: number, max: number): number {
    const v = this.obj[k] ?? def;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) fail(this.key(k), `must be a number from ${min} to ${max}`);
    return v;
  }

  str(k: string, def: string | undefined, pattern?: RegExp, hint?: string): string | undefined {
    const v = this.obj[k] ?? def;
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0 || (pattern && !pattern.test(v))) fail(this.key(k), hint ?? 'must be a non-empty string');
    return v;
  }

  bool(k: string, def: boolean): boolean {
    const v = this.obj[k] ?? def;
    if (typeof v !== 'boolean') fail(this.key(k), 'must be true or false');
    return v;
  }

  oneOf<T extends string>(k: string, def: T, values: readonly T[]): T {
    const v = this.obj[k] ?? def;
    if (!values.includes(v as T)) fail(this.key(k), `must be one of ${values.join(', ')}`);
    return v as T;
  }

  sub(k: string): Reader {
    return Reader.of(this.obj[k] ?? {}, this.key(k));
  }
}
