import { describe, expect, it } from 'vitest';
import { bearer, withDesk } from '../../helpers/desk';
import { expectError, newRequester } from '../../helpers/requester';

const fx = withDesk({ via: 'db' });

describe('rate limits on requester routes', () => {
  it('count per session subject, so one requester behind a shared address cannot lock out another', async () => {
    // Given two requesters behind the same address (as every Tor user is)
    const greedy = await newRequester(fx.t, fx.desk);
    const patient = await newRequester(fx.t, fx.desk);
    const mine = (token: string) => fx.app.inject({ method: 'GET', url: '/api/tickets/mine', headers: bearer(token) });
    // When one of them exhausts the per-minute limit
    let last = await mine(greedy.token);
    for (let i = 0; i < 80 && last.statusCode === 200; i++) last = await mine(greedy.token);
    // Then they are rate limited, and the other is not
    expectError(last, 429, 'rate_limited');
    expect((await mine(patient.token)).statusCode).toBe(200);
  });
});
