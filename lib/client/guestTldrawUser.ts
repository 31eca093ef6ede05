import { createTLCurrentUser, getUserPreferences, setUserPreferences, computed, type Signal, type TLCurrentUser } from 'tldraw'
import type { GuestIdentity } from './boardSession.ts'
import { cleanIdentity } from './guestIdentity.ts'

/**
 * tldraw's current user for a guest: its id is the guest's user id (the one in presence records,
 * so follow and "following you" match), its name and colour are the guest's identity, and tldraw's
 * other preferences (dark mode, snapping…) stay in tldraw's own storage. A name or colour changed
 * in tldraw's people menu reaches `onIdentityChange`.
 */
export function createGuestTldrawUser(userId: string, identity: Signal<GuestIdentity>, onIdentityChange: (next: GuestIdentity) => void): TLCurrentUser {
  return createTLCurrentUser({
    userPreferences: computed('guest user preferences', () => ({ ...getUserPreferences(), id: userId, name: identity.get().name, color: identity.get().color })),
    setUserPreferences: (preferences) => {
      const stored = getUserPreferences()
      setUserPreferences({ ...preferences, id: stored.id, name: stored.name, color: stored.color })
      const current = identity.get()
      const next = cleanIdentity(preferences, current)
      if (next.name !== current.name || next.color !== current.color) onIdentityChange(next)
    },
  })
}
