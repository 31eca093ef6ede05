import type { GuestIdentity } from './boardSession.ts'

const IDENTITY_KEY = 'whiteboard:identity'

/** Colours offered to guests (tldraw's cursor palette feel), one picked at random on first visit. */
export const GUEST_COLORS = ['#e03131', '#f76707', '#f59f00', '#2f9e44', '#1c7ed6', '#6741d9', '#c2255c', '#0c8599']

function randomGuestIdentity(): GuestIdentity {
  const color = GUEST_COLORS[Math.floor(Math.random() * GUEST_COLORS.length)]
  return { name: `Guest ${Math.floor(1000 + Math.random() * 9000)}`, color }
}

/** The display name and colour this browser chose before, or a fresh random one (then remembered). */
export function loadGuestIdentity(): GuestIdentity {
  try {
    const stored = JSON.parse(localStorage.getItem(IDENTITY_KEY) ?? 'null') as Partial<GuestIdentity> | null
    if (stored && typeof stored.name === 'string' && stored.name.trim() && typeof stored.color === 'string' && /^#[0-9a-fA-F]{6}$/.test(stored.color)) {
      return { name: stored.name.trim().slice(0, 64), color: stored.color }
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
