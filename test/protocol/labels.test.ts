// Issue 10 "labels survive rotation": the desk label key L is random, committed in the key log and
// kept as a team wrap that rotation re-seals, so tags and the dictionary outlive every team key.
import { beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol/index';
import { expectCryptoError, loadSodium } from './helpers';
import { desk, pk } from './keylog-desk';

beforeAll(loadSodium);

/** Given a desk whose log publishes team key v1 and the commitment of a fresh label key. */
function labelledDesk() {
  const d = desk();
  const v1 = p.generateTeamKey();
  // desk() made a team key v1 of its own; start from a v2 we hold the secret of.
  d.append(d.a, 'team-key', { version: 2, boxPk: pk(v1.publicKey) });
  const labelKey = p.newLabelKey();
  d.append(d.a, 'label-key', { commit: p.labelKeyCommitment(labelKey) });
  const wrap = p.wrapKeyForTeam(labelKey, p.teamPublicKeyOf(d.state));
  return { d, team: v1, labelKey, wrap };
}

describe('desk label key', () => {
  it('publishes its commitment in the key log', () => {
    const { d, labelKey } = labelledDesk();
    expect(d.state.labelKeyCommit).toBe(p.labelKeyCommitment(labelKey));
    expect(p.verifyKeyLog(d.entries).labelKeyCommit).toBe(p.labelKeyCommitment(labelKey));
    expect(desk().state.labelKeyCommit).toBeNull();
  });

  it('keeps every tag and dictionary entry readable across a rotation', () => {
    // Given labels made under L while team key v2 is current
    const { d, team, labelKey, wrap } = labelledDesk();
    const opened = p.openLabelKeyWrap(wrap, team, d.state);
    const phishing = p.sealLabelName(opened, 'Phishing');
    // When an admin rotates to v3 and re-seals the label key wrap like any K or N wrap
    const v3 = p.generateTeamKey();
    d.append(d.a, 'team-key', { version: 3, boxPk: pk(v3.publicKey) });
    const rewrapped = p.rewrapForRotation(wrap, team, p.teamPublicKeyOf(d.state));
    d.append(d.a, 'team-key-retire', { version: 2 });
    // Then a member holding only v3 gets the same L: tags are unchanged and names still open
    const after = p.openLabelKeyWrap(rewrapped, v3, d.state);
    expect(p.toB64(after)).toBe(p.toB64(labelKey));
    expect(p.labelTag(after, 'phishing')).toBe(phishing.tag);
    expect(p.openLabelName(after, phishing.tag, phishing.envelope)).toBe('phishing');
    expect(rewrapped.teamKeyVersion).toBe(3);
  });

  it('refuses a label key the key log does not commit to (a server sealing its own key to the team)', () => {
    const { d, team } = labelledDesk();
    const substituted = p.wrapKeyForTeam(p.newLabelKey(), p.teamPublicKeyOf(d.state));
    expectCryptoError(() => p.openLabelKeyWrap(substituted, team, d.state), 'decrypt_failed');
  });

  it('refuses a wrap that does not open with the team key, and a log without a label-key entry', () => {
    const { d, wrap } = labelledDesk();
    expectCryptoError(() => p.openLabelKeyWrap(wrap, p.generateTeamKey(), d.state), 'decrypt_failed');
    const bare = desk();
    expectCryptoError(() => p.openLabelKeyWrap(wrap, p.generateTeamKey(), bare.state), 'keylog_invalid');
  });

  it('lets a later label-key entry replace the commitment (label re-key), signed by an admin only', () => {
    const { d, labelKey } = labelledDesk();
    const next = p.newLabelKey();
    expect(() => p.applyKeyLogEntry(d.state, d.next(d.t, 'label-key', { commit: p.labelKeyCommitment(next) }))).toThrow(p.KeyLogError);
    d.append(d.a, 'label-key', { commit: p.labelKeyCommitment(next) });
    expect(d.state.labelKeyCommit).not.toBe(p.labelKeyCommitment(labelKey));
  });

  it('migrates a desk that used the derived key by committing that same key: no tag changes', () => {
    // Given labels made under the deprecated team-key-derived L
    const d = desk();
    const team = p.generateTeamKey();
    d.append(d.a, 'team-key', { version: 2, boxPk: pk(team.publicKey) });
    const derived = p.deriveLabelKey(team.secretKey);
    const old = p.sealLabelName(derived, 'Malware');
    // When the desk commits that key and wraps it
    d.append(d.a, 'label-key', { commit: p.labelKeyCommitment(derived) });
    const wrap = p.wrapKeyForTeam(derived, p.teamPublicKeyOf(d.state));
    // Then the wrapped key reads every existing entry
    const opened = p.openLabelKeyWrap(wrap, team, d.state);
    expect(p.openLabelName(opened, old.tag, old.envelope)).toBe('malware');
  });

  it('makes a commitment that can never equal a label tag', () => {
    const l = p.newLabelKey();
    expect(p.labelKeyCommitment(l)).not.toBe(p.labelTag(l, 'sealdesk/v1/label-key|'));
    expect(p.labelKeyCommitment(l)).not.toBe(p.labelKeyCommitment(p.newLabelKey()));
  });
});
