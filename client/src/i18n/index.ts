// Every user-visible string goes through t(). Only the language code is remembered
// (localStorage 'sealdesk.lang'): it says nothing about what the person wrote.
// The lookup is this file's own (nested keys, `{{name}}` interpolation, English fallback): the
// strings use nothing more, and i18next cost 16 KB gzip of the 250 KB first-visit budget
// (docs/DECISIONS.md "issue 10: admin console in the web app").
import en from './en.json';
import vi from './vi.json';

export const LANGUAGES = ['en', 'vi'] as const;
export type Lang = (typeof LANGUAGES)[number];
const STORAGE_KEY = 'sealdesk.lang';

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** Stored choice first, then the browser's preference list ('vi-VN' counts as 'vi'), then English. */
export function pickLanguage(stored: string | null, browser: readonly string[]): Lang {
  if (isLang(stored)) return stored;
  for (const tag of browser) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLang(base)) return base;
  }
  return 'en';
}

function readStored(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled (Tor Browser strict modes): fall back to the browser list
  }
}

type Strings = { [key: string]: string | Strings };
const STRINGS: Record<Lang, Strings> = { en, vi };
let language: Lang = 'en';

function lookup(strings: Strings, key: string): string | null {
  let node: string | Strings | undefined = strings;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null) return null;
    node = node[part];
  }
  return typeof node === 'string' ? node : null;
}

/**
 * `{{name}}` → String(options.name). Values are inserted as text: lit-html escapes them when it
 * renders, so nothing here is HTML. A placeholder without a value stays visible (a bug to see).
 */
function interpolate(text: string, options?: Record<string, unknown>): string {
  if (!options) return text;
  return text.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, name: string) => (name in options ? String(options[name]) : whole));
}

function translate(lang: Lang, key: string, options?: Record<string, unknown>): string {
  return interpolate(lookup(STRINGS[lang], key) ?? lookup(STRINGS.en, key) ?? key, options);
}

export function initI18n(): Promise<Lang> {
  language = pickLanguage(readStored(), typeof navigator === 'undefined' ? [] : navigator.languages);
  document.documentElement.lang = language;
  return Promise.resolve(language);
}

export function setLanguage(lang: Lang): Promise<void> {
  language = lang;
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered; the choice still holds for this visit.
  }
  return Promise.resolve();
}

export function currentLanguage(): Lang {
  return language;
}

export function t(key: string, options?: Record<string, unknown>): string {
  return translate(language, key, options);
}

/** A string in a fixed language, for warnings that must show in both languages at once. */
export function tIn(lang: Lang, key: string, options?: Record<string, unknown>): string {
  return translate(lang, key, options);
}
