import { type Random } from './ports';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** A short readable id such as `demo-4kq`: kind plus a random suffix without look-alike characters. */
export function randomLabId(kind: string, random: Random, length = 3): string {
  let suffix = '';
  for (let i = 0; i < length; i++) {
    suffix += ALPHABET[Math.floor(random() * ALPHABET.length)] ?? 'x';
  }
  return `${kind}-${suffix}`;
}

/** The id of a ticket's repro lab: `repro-ticket-123` for `TICKET-123`. */
export function reproLabId(ticket: string): string {
  const slug = ticket
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `repro-${slug || 'ticket'}`;
}

/** The vApp name that carries the lab id, so a lab can be found in VCD even without the store. */
export function vappNameFor(labId: string): string {
  return `lab-${labId}`;
}

/** Lab ids users may type: what randomLabId and reproLabId produce (with an optional -N suffix). */
export const LAB_ID_PATTERN = /^[a-z][a-z0-9]{0,15}-[a-z0-9-]{1,48}$/;
