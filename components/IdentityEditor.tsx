import { useEffect, useState, type RefObject } from 'react'
import type { GuestIdentity } from '@/lib/client/boardSession.ts'
import { GUEST_COLORS, MAX_NAME_LENGTH, cleanIdentity } from '@/lib/client/guestIdentity.ts'
import PanelPopover, { type DismissReason } from './PanelPopover.tsx'

export interface IdentityEditorProps {
  identity: GuestIdentity
  /** A committed name or colour: saved on this device and sent to the server at once. */
  onChange(identity: GuestIdentity): void
  onClose(): void
  anchor?: RefObject<HTMLElement | null>
}

/**
 * Your name and colour. It stays open while you edit: Enter commits the name, a colour commits at
 * once; Done or a click outside commits the name and closes, Escape closes and drops a name not committed.
 */
export default function IdentityEditor({ identity, onChange, onClose, anchor }: IdentityEditorProps) {
  const [name, setName] = useState(identity.name)
  // A change made elsewhere (tldraw's people menu) shows here too.
  useEffect(() => setName(identity.name), [identity.name])
  const commit = (draft: { name: string; color: string }) => {
    const next = cleanIdentity(draft, identity)
    setName(next.name)
    if (next.name !== identity.name || next.color !== identity.color) onChange(next)
  }
  const dismiss = (reason: DismissReason) => {
    if (reason === 'outside') commit({ name, color: identity.color })
    onClose()
  }
  return (
    <PanelPopover label="Your name and colour" testId="identity-popover" anchor={anchor} onDismiss={dismiss}>
      <label>
        Your name
        <input
          data-testid="identity-name"
          value={name}
          maxLength={MAX_NAME_LENGTH}
          onChange={(event) => setName(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') commit({ name, color: identity.color })
          }}
        />
      </label>
      <div className="color-choices" role="group" aria-label="Your colour">
        {GUEST_COLORS.map(({ color, name: colorName }) => (
          <button
            key={color}
            type="button"
            className="color-choice"
            aria-label={colorName}
            aria-pressed={color.toLowerCase() === identity.color.toLowerCase()}
            data-testid="identity-color"
            data-color={color}
            style={{ background: color }}
            onClick={() => commit({ name, color })}
          />
        ))}
      </div>
      <button
        className="small-button"
        type="button"
        data-testid="identity-done"
        onClick={() => {
          commit({ name, color: identity.color })
          onClose()
        }}
      >
        Done
      </button>
    </PanelPopover>
  )
}
