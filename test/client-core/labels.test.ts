// Private labels in the client core: L derived from the current team secret key,
// blind tags equal to the protocol's, and a dictionary that decrypts (and refuses swapped entries).
import { beforeAll, describe, expect, it } from 'vitest';
import { deriveLabelKey, generateTeamKey, labelTag, sealLabelName } from '../../protocol';
import * as core from '../../client-core';
import { staffDesk, type StaffDesk } from './fixture';

let desk: StaffDesk;

beforeAll(async () => {
  desk = await staffDesk();
});

describe('private labels (client core)', () => {
  it('derives blind tags exactly as the protocol does from the team secret key', () => {
    // Given the label key any other client would derive from team key v1
    const expectedKey = deriveLabelKey(desk.team.secretKey);
    // When the console seals a new label name
    const sealed = core.sealLabel(desk.staff, '  Phishing ');
    // Then the tag matches the protocol's tag for the normalised name, and the name is normalised
    expect(sealed.name).toBe('phishing');
    expect(sealed.tag).toBe(labelTag(expectedKey, 'phishing'));
    expect(core.labelTagFor(desk.staff, 'PHISHING')).toBe(sealed.tag);
    // SECURITY: the sealed name does not carry the plaintext
    expect(JSON.stringify(sealed.sealedName)).not.toContain('phishing');
  });

  it('opens a dictionary sealed by another client and lists the names sorted', () => {
    const key = deriveLabelKey(desk.team.secretKey);
    const a = sealLabelName(key, 'Spyware');
    const b = sealLabelName(key, 'account recovery');
    const c = sealLabelName(key, 'Điện thoại bị thu');
    const out = core.openLabels(
      desk.staff,
      [a, b, c].map((e) => ({ tag: e.tag, sealedName: e.envelope })),
    );
    expect(out).toEqual({
      labels: [
        { tag: b.tag, name: 'account recovery' },
        // locale order: 'đ' sorts with 'd', before 's'
        { tag: c.tag, name: 'điện thoại bị thu' },
        { tag: a.tag, name: 'spyware' },
      ],
      unreadable: 0,
    });
  });

  it('does not show an entry sealed under another key or moved to another tag', () => {
    const key = deriveLabelKey(desk.team.secretKey);
    const good = sealLabelName(key, 'urgent-legal');
    const foreign = sealLabelName(deriveLabelKey(generateTeamKey().secretKey), 'planted');
    const other = sealLabelName(key, 'malware');
    const out = core.openLabels(desk.staff, [
      { tag: good.tag, sealedName: good.envelope },
      { tag: foreign.tag, sealedName: foreign.envelope },
      // a server swapping names between tags
      { tag: other.tag, sealedName: good.envelope },
    ]);
    expect(out.labels).toEqual([{ tag: good.tag, name: 'urgent-legal' }]);
    expect(out.unreadable).toBe(2);
  });

  it('refuses label work when the console is locked or the current team key is not held', async () => {
    // Given a member unlocked with no grant at all, and a locked vault
    const other = await staffDesk();
    const { unlockAs } = await import('./fixture');
    unlockAs(other.staff, other.adminId, other.admin, []);
    expect(() => core.sealLabel(other.staff, 'x')).toThrow(/current team key/);
    core.lockStaff(other.staff);
    expect(() => core.openLabels(other.staff, [])).toThrow(/locked/);
  });

  it('rejects an empty or over-long label name', () => {
    expect(() => core.sealLabel(desk.staff, '   ')).toThrow();
    expect(() => core.sealLabel(desk.staff, 'x'.repeat(101))).toThrow();
  });

  it('makes the decrypted label names searchable for tickets that carry the tag', () => {
    const key = deriveLabelKey(desk.team.secretKey);
    const tagged = sealLabelName(key, 'needs-lawyer');
    core.openLabels(desk.staff, [{ tag: tagged.tag, sealedName: tagged.envelope }]);
    const ticket = { ...desk.fileTicket({ subject: 'Court summons', body: 'I got a letter' }), labels: [tagged.tag] };
    core.openQueue(desk.staff, [ticket]);
    const { hits } = core.searchOpened(desk.staff, 'lawyer');
    expect(hits).toEqual([{ ticketId: ticket.ticketId, subject: 'Court summons', field: 'label', snippet: 'needs-lawyer' }]);
  });
});
