// A small desk built through the real key log functions, shared by the key-log suites:
// admin A (genesis), team key v1, technician T, admin B.
import * as p from '../../protocol/index';

export type Person = { id: string; keys: p.StaffKeys };
export const person = (): Person => ({ id: p.newId(), keys: p.generateStaffKeys() });
export const pk = (k: Uint8Array) => p.toB64(k);
let at = 1_700_000_000;

/** Given a desk: admin A (genesis), team key v1, technician T, admin B. */
export function desk() {
  const a = person();
  const t = person();
  const b = person();
  const deskId = p.newId();
  const entries: p.KeyLogEntry[] = [
    p.signKeyLogEntry(
      p.buildGenesisEntry({ deskId, staffId: a.id, username: 'alice', boxPk: pk(a.keys.box.publicKey), signPk: pk(a.keys.sign.publicKey), at: at++ }),
      a.keys.sign.secretKey,
    ),
  ];
  let state = p.verifyKeyLog(entries);
  const append = <T extends Exclude<p.KeyLogType, 'genesis'>>(signer: Person, type: T, body: p.KeyLogBodies[T]) => {
    const entry = p.signKeyLogEntry(p.buildKeyLogEntry(state, { type, body, signer: signer.id, at: at++ }), signer.keys.sign.secretKey);
    state = p.applyKeyLogEntry(state, entry);
    entries.push(entry);
    return entry;
  };
  const next = <T extends Exclude<p.KeyLogType, 'genesis'>>(signer: Person, type: T, body: p.KeyLogBodies[T]) =>
    p.signKeyLogEntry(p.buildKeyLogEntry(state, { type, body, signer: signer.id, at: at++ }), signer.keys.sign.secretKey);
  const staffBody = (x: Person, username: string, role: p.StaffRole) => ({ staffId: x.id, username, role, boxPk: pk(x.keys.box.publicKey), signPk: pk(x.keys.sign.publicKey) });
  append(a, 'team-key', { version: 1, boxPk: pk(p.generateTeamKey().publicKey) });
  append(a, 'staff-add', staffBody(t, 'tom', 'technician'));
  append(a, 'staff-add', staffBody(b, 'bea', 'admin'));
  return {
    a,
    t,
    b,
    deskId,
    entries,
    append,
    next,
    staffBody,
    get state() {
      return state;
    },
  };
}
