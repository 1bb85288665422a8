// Every string constant and size of the v1 wire format, in one place so PROTOCOL.md can cite it
// and a compatible client can copy it. Changing any of these is a protocol version change.

export const PROTOCOL_VERSION = 1 as const;

export const ID_BYTES = 16;
export const KEY_BYTES = 32;
export const AEAD_NONCE_BYTES = 24; // crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
export const AEAD_TAG_BYTES = 16; // crypto_aead_xchacha20poly1305_ietf_ABYTES
export const SIGNATURE_BYTES = 64; // crypto_sign_BYTES
export const SIGN_SECRET_KEY_BYTES = 64; // Ed25519 seed || public key
export const SEALED_BOX_OVERHEAD = 48; // crypto_box_SEALBYTES
export const HASH_BYTES = 32; // BLAKE2b-256
export const PAD_BLOCK = 512;

/** SPEC §4: requester keys. */
export const REQUESTER_SALT_DOMAIN = 'sealdesk/requester/v1';
export const REQUESTER_SALT_BYTES = 16;
export const REQUESTER_BOX_KDF = { id: 1, context: 'sdreqbox' } as const;
export const REQUESTER_SIGN_KDF = { id: 2, context: 'sdreqsig' } as const;
export const REQUESTER_SESSION_PREFIX = 'sealdesk/v1/requester-session|';

/** SPEC §4: staff keys. */
export const STAFF_SALT_BYTES = 16;
export const STAFF_KDF_OUTPUT_BYTES = 64;
export const STAFF_KEYS_AD_PREFIX = 'sealdesk/v1/staff-keys|';

/** SPEC §5: messages, notes, attachment metadata. AD = prefix + kind + "|" + ticketId + "|" + messageId. */
export const MESSAGE_AD_PREFIX = 'sealdesk/v1/';

/** SPEC §5: labels. LABEL_KDF is the deprecated team-key-derived label key (labels.ts deriveLabelKey). */
export const LABEL_KDF = { id: 3, context: 'sdlabels' } as const;
export const LABEL_AD_PREFIX = 'sealdesk/v1/label|';
export const LABEL_KEY_COMMIT_PREFIX = 'sealdesk/v1/label-key|';

/** Fingerprints read aloud (fingerprint.ts): 6 groups of 5 digits, each from 5 bytes of the hash. */
export const FINGERPRINT_GROUPS = 6;
export const FINGERPRINT_GROUP_BYTES = 5;
export const FINGERPRINT_GROUP_DIGITS = 5;

/**
 * SPEC §3: attachments (PROTOCOL.md §5). A body is cut into chunks of `chunkBytes` plaintext
 * (one of ATTACHMENT_CHUNK_SIZES, declared on upload; ATTACHMENT_CHUNK_BYTES by default), each
 * sealed on its own: nonce(24) ‖ AEAD ciphertext(+16). Both clients (web app, staff CLI) declare
 * 1 MiB: each request costs about as much as a quarter MiB of data (DECISIONS.md "Attachment
 * throughput"); on a bad circuit the clients lower the chunks in flight, not the chunk size.
 */
export const ATTACHMENT_CHUNK_BYTES = 1024 * 1024;
export const ATTACHMENT_CHUNK_SIZES = [64 * 1024, 128 * 1024, 256 * 1024, 512 * 1024, 1024 * 1024] as const;
export const ATTACHMENT_CHUNK_OVERHEAD = 24 + 16;
/** The smallest padded size; every padded size is a multiple of it (PROTOCOL.md §5.1). */
export const ATTACHMENT_MIN_PADDED_BYTES = 64 * 1024;
export const ATTACHMENT_CHUNK_AD_PREFIX = 'sealdesk/v1/attachment-chunk|';

/** SPEC §9: proof of work. */
export const POW_NONCE_BYTES = 8;
export const POW_MAX_CHALLENGE_CHARS = 512;

/**
 * Staff usernames as the API accepts them (docs/API.md): lower-case ASCII, one spelling per
 * account. The key log itself carries whatever name an admin signed (1–64 characters).
 */
export const STAFF_USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
