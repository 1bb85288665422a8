// The browser's enrolment routes: #/activate/:token and #/setup/:token.
import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref } from '../../client/src/router';

const TOKEN = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5';

describe('#/activate/:token route', () => {
  it('parses the activation link and round-trips it', () => {
    expect(parseRoute(`#/activate/${TOKEN}`)).toEqual({ name: 'activate', token: TOKEN });
    expect(routeHref({ name: 'activate', token: TOKEN })).toBe(`#/activate/${TOKEN}`);
    expect(parseRoute(routeHref({ name: 'activate', token: TOKEN }))).toEqual({ name: 'activate', token: TOKEN });
  });

  it.each(['#/activate', '#/activate/short', '#/activate/has space in it here', `#/activate/${TOKEN}/extra`, '#/activate/<script>alert(1)</script>'])(
    'refuses %s as not-found',
    (hash) => {
      expect(parseRoute(hash)).toEqual({ name: 'not-found' });
    },
  );

  it('keeps the setup route as it was', () => {
    expect(parseRoute(`#/setup/${TOKEN}`)).toEqual({ name: 'setup', token: TOKEN });
  });
});
