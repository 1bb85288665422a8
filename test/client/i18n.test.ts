// Every user-visible string exists in both languages, is non-empty, keeps the same placeholders,
// and every t('…') key used in client/src exists. Reads the real files; nothing is hard-coded.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pickLanguage } from '../../client/src/i18n';

const SRC = join(import.meta.dirname, '../../client/src');
const load = (lang: string): unknown => JSON.parse(readFileSync(join(SRC, 'i18n', `${lang}.json`), 'utf8'));

function flatten(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

const placeholders = (s: string): string[] => [...s.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1] ?? '').sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Comments are not code: a comment may mention t() without using a key. */
const stripComments = (source: string): string => source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');

/** Literal keys in t('key'…) and tIn(lang, 'key'…) calls. */
function usedKeys(source: string): string[] {
  return [...stripComments(source).matchAll(/\bt(?:In)?\(\s*(?:[\w'".]+\s*,\s*)?'([^']+)'/g)].map((m) => m[1] ?? '');
}

const en = flatten(load('en'));
const vi = flatten(load('vi'));

describe('client translations', () => {
  it('has the same keys in English and Vietnamese', () => {
    const onlyEn = [...en.keys()].filter((k) => !vi.has(k));
    const onlyVi = [...vi.keys()].filter((k) => !en.has(k));
    expect({ onlyEn, onlyVi }).toEqual({ onlyEn: [], onlyVi: [] });
  });

  it('has no empty or non-string values', () => {
    const bad = [...en.entries(), ...vi.entries()].filter(([, v]) => typeof v !== 'string' || v.trim() === '').map(([k]) => k);
    expect(bad).toEqual([]);
  });

  it('uses the same interpolation placeholders in both languages', () => {
    const differ = [...en.keys()].filter((k) => vi.has(k)).filter((k) => placeholders(String(en.get(k))).join() !== placeholders(String(vi.get(k))).join());
    expect(differ).toEqual([]);
  });

  it('defines every key the templates use', () => {
    const files = sourceFiles(SRC);
    const used = new Set(files.flatMap((f) => usedKeys(readFileSync(f, 'utf8'))));
    expect(used.size).toBeGreaterThan(50);
    const missing = [...used].filter((k) => !en.has(k) || !vi.has(k));
    expect(missing).toEqual([]);
  });

  it('finds keys in both call styles', () => {
    expect(usedKeys(`t('a.b'); t('c.d', { n: 1 }); tIn(lang, 'e.f'); tIn('vi', 'g.h') // t('x.y')`)).toEqual(['a.b', 'c.d', 'e.f', 'g.h']);
  });

  it('actually translates: Vietnamese differs from English for user-facing sentences', () => {
    const same = [...en.keys()].filter((k) => k !== 'app.name' && en.get(k) === vi.get(k));
    expect(same).toEqual([]);
  });
});

describe('pickLanguage', () => {
  it('prefers a stored choice over the browser list', () => {
    expect(pickLanguage('vi', ['en-US', 'en'])).toBe('vi');
  });
  it('maps a regional browser tag to its language', () => {
    expect(pickLanguage(null, ['fr-FR', 'vi-VN', 'en'])).toBe('vi');
  });
  it('ignores an unknown stored value and falls back to English', () => {
    expect(pickLanguage('xx', ['de-DE'])).toBe('en');
  });
});
