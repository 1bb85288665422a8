// Fixed inputs for the known-answer vectors. generate.ts turns them into protocol-v1.json once;
// test/protocol/vectors.test.ts recomputes from the same inputs and compares to the committed JSON.

/** n bytes counting up from `start`: easy to reproduce in any language. */
export function seq(start: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
}

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
export const unhex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

export const IN = {
  deskIdBytes: seq(0x00, 16),
  passphrase: 'abandon ability able about above absent absorb abstract',
  passphraseRetyped: '  Abandon  ABILITY able\tabout above absent absorb ABSTRACT ',
  staffPassword: 'correct horse battery staple',
  staffSalt: seq(0x10, 16),
  staffIdBytes: seq(0x20, 16),
  staffBoxSeed: seq(0x30, 32),
  staffSignSeed: seq(0x50, 32),
  teamSecretKey: seq(0x70, 32),
  ticketIdBytes: seq(0x90, 16),
  messageIdBytes: seq(0xa0, 16),
  replyIdBytes: seq(0xb0, 16),
  attachmentIdBytes: seq(0xc0, 16),
  ticketKey: seq(0xd0, 32),
  noteKey: seq(0xe0, 32),
  fileKey: seq(0xf0, 32),
  nonce: seq(0x01, 24),
  powMacKey: seq(0x11, 32),
  powIdBytes: seq(0x31, 16),
  keyLogAt: 1_700_000_000,
  labelKey: seq(0x60, 32),
  techReenrolBoxSeed: seq(0x38, 32),
  techReenrolSignSeed: seq(0x58, 32),
  attachmentPlaintextBytes: 65_537,
};

export function attachmentPlaintext(): Uint8Array {
  return Uint8Array.from({ length: IN.attachmentPlaintextBytes }, (_, i) => (i * 7 + 3) & 0xff);
}

export const firstPayload = {
  v: 1,
  subject: 'My account was hacked',
  body: 'Someone logged in from another country.',
  category: 'account',
  lang: 'en',
} as const;
export const replyPayload = { v: 1, body: 'Please enable two-factor authentication.', lang: 'en' } as const;
export const notePayload = { v: 1, body: 'Likely credential stuffing.' } as const;
