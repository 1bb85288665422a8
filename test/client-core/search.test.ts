// Search in a staff client: done locally over text the core has decrypted, because
// the server only ever holds ciphertext.
import { beforeAll, describe, expect, it } from 'vitest';
import * as core from '../../client-core';
import { foldForSearch, searchTerms, searchTickets, type SearchDoc } from '../../client-core';
import { message, staffDesk, type StaffDesk } from './fixture';

const none = { labelNames: new Map<string, string>() };

function doc(ticketId: string, subject: string, body: string, extra: Partial<SearchDoc> = {}): SearchDoc {
  return {
    ticketId,
    subject,
    category: null,
    tags: [],
    texts: [
      { field: 'subject', text: subject },
      { field: 'message', text: body },
    ],
    ...extra,
  };
}

describe('searchTickets (pure)', () => {
  it('matches Vietnamese text typed with or without diacritics, in any case', () => {
    const docs = [doc('a', 'Mất mật khẩu Gmail', 'Tôi không đăng nhập được'), doc('b', 'Điện thoại lạ', 'Có ứng dụng lạ')];
    expect(searchTickets(docs, 'mat khau', none).map((h) => h.ticketId)).toEqual(['a']);
    expect(searchTickets(docs, 'DANG NHAP', none).map((h) => h.ticketId)).toEqual(['a']);
    expect(searchTickets(docs, 'điện', none).map((h) => h.ticketId)).toEqual(['b']);
    expect(searchTickets(docs, 'dien', none).map((h) => h.ticketId)).toEqual(['b']);
    expect(foldForSearch('  Đường   PHỐ ')).toBe('duong pho');
  });

  it('requires every term, in any field, and keeps the given (newest-first) order', () => {
    const docs = [doc('new', 'Phishing SMS', 'link to fake bank'), doc('old', 'Bank account', 'phishing email')];
    expect(searchTickets(docs, 'phishing bank', none).map((h) => h.ticketId)).toEqual(['new', 'old']);
    expect(searchTickets(docs, 'phishing sms', none).map((h) => h.ticketId)).toEqual(['new']);
    expect(searchTickets(docs, 'phishing zalo', none)).toEqual([]);
  });

  it('returns nothing for an empty query and says where the first term matched', () => {
    const docs = [doc('a', 'Hello', 'x'.repeat(100) + ' the spyware was found ' + 'y'.repeat(200))];
    expect(searchTickets(docs, '   ', none)).toEqual([]);
    expect(searchTerms(' A a  b ')).toEqual(['a', 'b']);
    const [hit] = searchTickets(docs, 'spyware', none);
    expect(hit?.field).toBe('message');
    expect(hit?.snippet.startsWith('…')).toBe(true);
    expect(hit?.snippet.endsWith('…')).toBe(true);
    expect(hit?.snippet).toContain('the spyware was found');
  });

  it('matches a category by its shown name and a label by its decrypted name', () => {
    const docs = [doc('a', 'Help', 'please', { category: 'malware', tags: ['tag1'] })];
    expect(searchTickets(docs, 'mã độc', { labelNames: new Map(), categoryNames: { malware: 'Mã độc' } }).map((h) => h.field)).toEqual(['category']);
    expect(searchTickets(docs, 'journalist', { labelNames: new Map([['tag1', 'journalist']]) }).map((h) => h.field)).toEqual(['label']);
    // A tag whose name is unknown matches nothing (the tag itself is not text).
    expect(searchTickets(docs, 'tag1', none)).toEqual([]);
  });
});

describe('staff search over decrypted tickets (client core)', () => {
  let desk: StaffDesk;
  beforeAll(async () => {
    desk = await staffDesk();
  });

  it('finds what the queue decrypted and, once a thread is opened, its replies and notes', () => {
    // Given two tickets loaded in the queue
    const a = desk.fileTicket({ subject: 'Tài khoản Facebook bị hack', body: 'Ai đó đổi mật khẩu', category: 'hacked_account' });
    const b = desk.fileTicket({ subject: 'Strange SMS', body: 'A link asking for my bank PIN', category: 'phishing' });
    const queue = core.openQueue(desk.staff, [b, a]);
    expect(queue.map((s) => [s.subject, s.category, s.signature])).toEqual([
      ['Strange SMS', 'phishing', 'verified'],
      ['Tài khoản Facebook bị hack', 'hacked_account', 'verified'],
    ]);
    // When the technician searches without diacritics
    expect(core.searchOpened(desk.staff, 'mat khau').hits.map((h) => [h.ticketId, h.field])).toEqual([[a.ticketId, 'message']]);
    // A note is not searchable before its thread is opened...
    core.openStaffThread(desk.staff, b, [b.firstMessage]);
    const note = core.sealNote(desk.staff, b.ticketId, 'Same campaign as last week: Vietcombank lookalike');
    expect(core.searchOpened(desk.staff, 'vietcombank').hits).toEqual([]);
    // ...and is once the thread with the note has been decrypted
    if (!note.noteWrap) throw new Error('no note wrap');
    core.openStaffThread(desk.staff, { ...b, noteWrap: note.noteWrap }, [
      b.firstMessage,
      message(note.messageId, 2, { type: 'staff', staffId: desk.adminId }, note.envelope, 'note'),
    ]);
    const found = core.searchOpened(desk.staff, 'vietcombank');
    expect(found.hits.map((h) => [h.ticketId, h.field])).toEqual([[b.ticketId, 'note']]);
    expect(found.searched).toBe(2);
    // Reloading the queue (first message only) keeps the fuller thread text searchable
    core.openQueue(desk.staff, [b, a]);
    expect(core.searchOpened(desk.staff, 'vietcombank').hits).toHaveLength(1);
    // Category by its shown name in the UI language
    expect(core.searchOpened(desk.staff, 'lừa đảo', { phishing: 'Lừa đảo' }).hits.map((h) => h.ticketId)).toEqual([b.ticketId]);
  });

  it('cannot search a ticket whose content it could not decrypt', () => {
    const c = desk.fileTicket({ subject: 'Secret words', body: 'zebra crossing' });
    // A wrap the team key does not open (a broken or foreign ticket)
    const broken = { ...c, teamWrap: { teamKeyVersion: 1, sealed: desk.fileTicket({ subject: 'x', body: 'y' }).teamWrap.sealed.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A')) } };
    const [row] = core.openQueue(desk.staff, [broken]);
    expect(row).toMatchObject({ subject: null, decryptFailed: true });
    expect(core.searchOpened(desk.staff, 'zebra').hits).toEqual([]);
  });
});
