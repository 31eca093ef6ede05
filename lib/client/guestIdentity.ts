import type { GuestIdentity } from './boardSession.ts'

// No tldraw here: the board page reads the identity before tldraw's code has loaded (roomToken.ts).
const IDENTITY_KEY = 'whiteboard:identity'

/**
 * Colours offered to guests, one picked at random on first visit: tldraw's own people-menu palette
 * (its `USER_COLORS`), so our picker and tldraw's offer the same choices; named for screen readers.
 */
export const GUEST_COLORS: readonly { color: string; name: string }[] = [
  { color: '#FF802B', name: 'Orange' },
  { color: '#EC5E41', name: 'Vermilion' },
  { color: '#F2555A', name: 'Red' },
  { color: '#F04F88', name: 'Pink' },
  { color: '#E34BA9', name: 'Magenta' },
  { color: '#BD54C6', name: 'Purple' },
  { color: '#9D5BD2', name: 'Violet' },
  { color: '#7B66DC', name: 'Indigo' },
  { color: '#02B1CC', name: 'Cyan' },
  { color: '#11B3A3', name: 'Teal' },
  { color: '#39B178', name: 'Green' },
  { color: '#55B467', name: 'Lime' },
]

/** Longest display name the token route accepts. */
export const MAX_NAME_LENGTH = 64

function randomGuestIdentity(): GuestIdentity {
  const { color } = GUEST_COLORS[Math.floor(Math.random() * GUEST_COLORS.length)]!
  return { name: `Guest ${Math.floor(1000 + Math.random() * 9000)}`, color }
}

function isColor(value: unknown): value is string {
  return typeof value === 'string' && /^#[0-9a-fA-F]{6}$/.test(value)
}

/** The display name and colour this browser chose before, or a fresh random one (then remembered). */
export function loadGuestIdentity(): GuestIdentity {
  try {
    const stored = JSON.parse(localStorage.getItem(IDENTITY_KEY) ?? 'null') as Partial<GuestIdentity> | null
    if (stored && typeof stored.name === 'string' && stored.name.trim() && isColor(stored.color)) {
      return { name: stored.name.trim().slice(0, MAX_NAME_LENGTH), color: stored.color }
    }
  } catch {
    // Unreadable storage: fall through to a new identity.
  }
  const identity = randomGuestIdentity()
  saveGuestIdentity(identity)
  return identity
}

export function saveGuestIdentity(identity: GuestIdentity): void {
  try {
    localStorage.setItem(IDENTITY_KEY, JSON.stringify(identity))
  } catch {
    // Private mode without storage: the identity lasts for this page only.
  }
}

/**
 * The identity a draft name and colour make: the name trimmed and cut to what the server accepts,
 * the current name kept when the draft is blank, the current colour kept when the draft's is not one.
 */
export function cleanIdentity(draft: { name?: string | null; color?: string | null }, current: GuestIdentity): GuestIdentity {
  const name = (draft.name ?? '').trim().slice(0, MAX_NAME_LENGTH) || current.name
  return { name, color: isColor(draft.color) ? draft.color : current.color }
}
