'use client'

import { useEffect, useRef, type ReactNode, type RefObject } from 'react'

export type DismissReason = 'escape' | 'outside'

/**
 * Calls `onDismiss` on a pointer press outside every element of `inside`, and on Escape pressed
 * inside one of them (the key goes no further, so tldraw does not also act on it).
 */
export function useDismiss(open: boolean, inside: readonly RefObject<HTMLElement | null>[], onDismiss: (reason: DismissReason) => void): void {
  const latest = useRef({ inside, onDismiss })
  latest.current = { inside, onDismiss }
  useEffect(() => {
    if (!open) return
    const within = (target: EventTarget | null) => latest.current.inside.some((ref) => ref.current?.contains(target as Node))
    const onPointer = (event: PointerEvent) => {
      if (!within(event.target)) latest.current.onDismiss('outside')
    }
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || !within(event.target)) return
      event.stopPropagation()
      latest.current.onDismiss('escape')
    }
    document.addEventListener('pointerdown', onPointer, true)
    document.addEventListener('keydown', onKey, true)
    return () => {
      document.removeEventListener('pointerdown', onPointer, true)
      document.removeEventListener('keydown', onKey, true)
    }
  }, [open])
}

export interface PanelPopoverProps {
  /** The dialog's accessible name. */
  label: string
  testId?: string
  /** The button that opened it: a press on it is not "outside" (it toggles the popover itself). */
  anchor?: RefObject<HTMLElement | null>
  onDismiss(reason: DismissReason): void
  children: ReactNode
}

/**
 * A non-modal dialog under the board's panel: its first field (or button) takes the focus when it
 * opens; Escape or a press outside dismisses it, and the caller gives the focus back.
 */
export default function PanelPopover({ label, testId, anchor, onDismiss, children }: PanelPopoverProps) {
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('input, button')?.focus()
  }, [])
  useDismiss(true, anchor ? [ref, anchor] : [ref], onDismiss)
  return (
    <div ref={ref} className="popover" role="dialog" aria-label={label} data-testid={testId}>
      {children}
    </div>
  )
}
