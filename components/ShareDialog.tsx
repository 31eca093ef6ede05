import { useState } from 'react'

export interface ShareIds {
  /** Present only on the edit link: the view-only page never learns it. */
  roomId?: string
  viewId: string
}

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text)
  const field = document.createElement('textarea')
  field.value = text
  document.body.append(field)
  field.select()
  document.execCommand('copy')
  field.remove()
}

function LinkRow({ label, url, testId }: { label: string; url: string; testId: string }) {
  const [copied, setCopied] = useState(false)
  return (
    <label>
      {label}
      <span className="row">
        <input readOnly value={url} data-testid={testId} onFocus={(event) => event.currentTarget.select()} />
        <button
          className="small-button primary"
          type="button"
          onClick={() => void copyText(url).then(() => setCopied(true))}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </span>
    </label>
  )
}

/** The share button and its popover: the edit link (editors only) and the view-only link. */
export default function ShareDialog({ ids }: { ids: ShareIds }) {
  const [open, setOpen] = useState(false)
  const origin = typeof window === 'undefined' ? '' : window.location.origin
  return (
    <>
      <button className="small-button primary" type="button" data-testid="share-button" onClick={() => setOpen(!open)}>
        Share
      </button>
      {open && (
        <div className="popover" role="dialog" aria-label="Share this board">
          {ids.roomId && <LinkRow label="Anyone with this link can edit" url={`${origin}/b/${ids.roomId}`} testId="edit-link" />}
          <LinkRow label="Anyone with this link can view" url={`${origin}/v/${ids.viewId}`} testId="view-link" />
          <button className="small-button" type="button" onClick={() => setOpen(false)}>
            Done
          </button>
        </div>
      )}
    </>
  )
}
