// Every user-visible string goes through t(). Only the language code is remembered
// (localStorage 'sealdesk.lang'): it says nothing about what the person wrote.
import i18next from 'i18next';
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

export async function initI18n(): Promise<Lang> {
  const lng = pickLanguage(readStored(), typeof navigator === 'undefined' ? [] : navigator.languages);
  await i18next.init({
    lng,
    fallbackLng: 'en',
    supportedLngs: [...LANGUAGES],
    resources: { en: { translation: en }, vi: { translation: vi } },
    // lit-html escapes every interpolated value when it renders; escaping here too would show
    // "&amp;" to people.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = lng;
  return lng;
}

export async function setLanguage(lang: Lang): Promise<void> {
  await i18next.changeLanguage(lang);
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered; the choice still holds for this visit.
  }
}

export function currentLanguage(): Lang {
  return isLang(i18next.language) ? i18next.language : 'en';
}

export function t(key: string, options?: Record<string, unknown>): string {
  return options ? i18next.t(key, options) : i18next.t(key);
}

/** A string in a fixed language, for warnings that must show in both languages at once. */
export function tIn(lang: Lang, key: string, options?: Record<string, unknown>): string {
  return i18next.getFixedT(lang)(key, options ?? {});
}
