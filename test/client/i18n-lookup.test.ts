// The web app's string lookup (client/src/i18n/index.ts): nested keys, `{{name}}` values, the
// English fallback, and the key itself when a string is missing. Reads the real string files.
import { describe, expect, it } from 'vitest';
import en from '../../client/src/i18n/en.json';
import vi from '../../client/src/i18n/vi.json';
import { tIn } from '../../client/src/i18n';

describe('tIn', () => {
  it('finds nested keys in the asked language', () => {
    expect(tIn('en', 'admin.nav.rotation')).toBe(en.admin.nav.rotation);
    expect(tIn('vi', 'admin.nav.rotation')).toBe(vi.admin.nav.rotation);
  });
  it('fills every {{name}} with its value, as text', () => {
    expect(tIn('en', 'admin.rotation.counts', { done: 3, total: 7, percent: 42 })).toBe('3 of 7 keys re-sealed (42%).');
    expect(tIn('en', 'admin.admit.done', { name: '<b>x</b>' })).toBe('<b>x</b> is admitted and can now read requests.');
  });
  it('leaves a placeholder without a value visible', () => {
    expect(tIn('en', 'admin.admit.done')).toBe(en.admin.admit.done);
  });
  it('answers the key for a missing string or a key that names a group', () => {
    expect(tIn('vi', 'admin.no.such.key')).toBe('admin.no.such.key');
    expect(tIn('en', 'admin.nav')).toBe('admin.nav');
  });
});
