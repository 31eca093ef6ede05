'use client'

import { useEffect, useId, useRef, useState, type ReactNode, type RefObject } from 'react'

export interface MenuButtonProps {
  /** The button's and the menu's accessible name. */
  label: string
  children: (close: () => void) => ReactNode
  testId?: string
  /** Shown above the items (not an item itself): e.g. the board's name on narrow screens. */
  heading?: ReactNode
  /** The button, for callers that give it the focus back (after a dialog opened from an item closes). */
  buttonRef?: RefObject<HTMLButtonElement | null>
}

/**
 * A button that opens a small menu: Escape or a click outside closes it and gives the focus back to
 * the button; the first item is focused on open, arrows move between items.
 */
export default function MenuButton({ label, children, testId, heading, buttonRef }: MenuButtonProps) {
  const [open, setOpen] = useState(false)
  const menuId = useId()
  const ownButton = useRef<HTMLButtonElement>(null)
  const button = buttonRef ?? ownButton
  const popup = useRef<HTMLDivElement>(null)
  const close = () => {
    setOpen(false)
    button.current?.focus()
  }
  useEffect(() => {
    if (!open) return
    popup.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus()
    const onPointer = (event: PointerEvent) => {
      if (!popup.current?.contains(event.target as Node) && !button.current?.contains(event.target as Node)) setOpen(false)
    }
    document.addEventListener('pointerdown', onPointer)
    return () => document.removeEventListener('pointerdown', onPointer)
  }, [open, button])
  return (
    <span className="menu-anchor">
      <button
        ref={button}
        type="button"
        className="small-button"
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        data-testid={testId}
        onClick={() => setOpen(!open)}
      >
        ⋯
      </button>
      {open && (
        <div
          ref={popup}
          className="menu"
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.stopPropagation()
              close()
            } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
              event.preventDefault()
              const items = [...(popup.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])]
              const at = items.indexOf(document.activeElement as HTMLElement)
              items[(at + (event.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus()
            }
          }}
        >
          {heading && <div className="menu-heading">{heading}</div>}
          <div id={menuId} role="menu" aria-label={label} className="menu-items">
            {children(close)}
          </div>
        </div>
      )}
    </span>
  )
}
