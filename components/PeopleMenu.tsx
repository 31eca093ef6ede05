import { useCallback } from 'react'
import {
  PORTRAIT_BREAKPOINT,
  TldrawUiButton,
  TldrawUiButtonIcon,
  TldrawUiPopover,
  TldrawUiPopoverContent,
  TldrawUiPopoverTrigger,
  createUserId,
  getFirstCharacter,
  useBreakpoint,
  useEditor,
  useTldrawUiComponents,
  useValue,
} from 'tldraw'
import type { BoardSession } from '@/lib/client/boardSession.ts'
import type { PresencePeer } from '@/lib/protocol.ts'

const LABEL = 'People on this board'

/** Dark or white initials, whichever reads better on the avatar's colour. */
function initialsColor(background: string): string {
  const [r, g, b] = [1, 3, 5].map((at) => {
    const channel = parseInt(background.slice(at, at + 2), 16) / 255
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4
  })
  const luminance = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
  return luminance > 0.18 ? '#1d1d1d' : '#ffffff'
}

/** How many avatars the stack shows (yours included) before "+N": fewer on narrow screens. */
function avatarsThatFit(breakpoint: number): number {
  if (breakpoint < PORTRAIT_BREAKPOINT.MOBILE_XXS) return 2
  if (breakpoint < PORTRAIT_BREAKPOINT.TABLET_SM) return 3
  return 5
}

function Avatar({ name, color }: { name: string; color: string }) {
  return (
    <span className="avatar" style={{ background: color, color: initialsColor(color) }}>
      {getFirstCharacter(name)}
    </span>
  )
}

function FollowButton({ peer }: { peer: PresencePeer }) {
  const editor = useEditor()
  const userId = createUserId(peer.id)
  const following = useValue('following', () => editor.getInstanceState().followingUserId === userId, [editor, userId])
  const toggle = useCallback(() => {
    if (editor.getInstanceState().followingUserId === userId) editor.stopFollowingUser()
    else editor.startFollowingUser(userId)
  }, [editor, userId])
  return (
    <TldrawUiButton type="icon" className="person-follow" aria-pressed={following} title={`${following ? 'Stop following' : 'Follow'} ${peer.name}`} onClick={toggle}>
      <TldrawUiButtonIcon icon={following ? 'following' : 'follow'} />
    </TldrawUiButton>
  )
}

/**
 * Everyone on the board as the sync server knows them (names and colours from verified tokens,
 * viewers and idle people included), as an avatar stack with "+N" past what fits; it opens a list
 * with tldraw's own editor of your name and colour, and a follow button for each person whose
 * cursor this editor sees. It replaces tldraw's people menu, which only knows active cursors.
 */
export default function PeopleMenu({ session }: { session: BoardSession }) {
  const editor = useEditor()
  const { UserPresenceEditor } = useTldrawUiComponents()
  const breakpoint = useBreakpoint()
  const peers = useValue('peers', () => session.peers.get(), [session])
  // Your avatar follows your identity at once; the server's list catches up after its reconnect.
  const you = useValue('you', () => ({ name: editor.user.getName(), color: editor.user.getColor() }), [editor])
  // A sorted string, so a cursor moving does not re-render the menu.
  const withCursor = useValue('collaborators', () => [...new Set(editor.getCollaborators().map((c) => c.userId))].sort().join(' '), [editor])
  const others = peers.filter((peer) => peer.id !== session.userId)
  const shown = others.slice(0, avatarsThatFit(breakpoint) - 1)
  const more = others.length - shown.length
  const yourself = peers.find((peer) => peer.id === session.userId)
  const listed = yourself ? [yourself, ...others] : others
  const label = others.length === 0 ? `${LABEL}: only you` : `${LABEL}: you and ${others.length} ${others.length === 1 ? 'other' : 'others'}`
  const nameDialog = useCallback((element: HTMLDivElement | null) => {
    // tldraw's popover content is the dialog; it takes no label of its own.
    element?.closest('[role="dialog"]')?.setAttribute('aria-label', LABEL)
  }, [])

  return (
    <TldrawUiPopover id="board people">
      <TldrawUiPopoverTrigger>
        <button type="button" className="people-button" data-testid="people-button" data-count={peers.length} aria-label={label} title={LABEL}>
          <span className="avatars" aria-hidden="true">
            {shown.map((peer) => (
              <Avatar key={peer.id} name={peer.name} color={peer.color} />
            ))}
            <Avatar name={you.name} color={you.color} />
            {more > 0 && (
              <span className="avatar more" data-testid="people-more">
                +{more}
              </span>
            )}
          </span>
        </button>
      </TldrawUiPopoverTrigger>
      <TldrawUiPopoverContent side="bottom" align="end" sideOffset={4} collisionPadding={4}>
        <div className="tlui-people-menu__wrapper people-menu" ref={nameDialog}>
          {UserPresenceEditor && (
            <div className="tlui-people-menu__section">
              <UserPresenceEditor />
            </div>
          )}
          <ul className="tlui-people-menu__section people" data-testid="people-list" aria-label={LABEL}>
            {listed.map((peer) => (
              <li key={peer.id} data-testid="person" data-user-id={peer.id} data-name={peer.name}>
                <span className="dot" style={{ background: peer.color }} aria-hidden="true" />
                <span className="person-name">
                  {peer.name}
                  {peer.id === session.userId ? ' (you)' : ''}
                </span>
                {peer.scope === 'view' && <span className="person-scope">viewing</span>}
                {peer.id !== session.userId && withCursor.split(' ').includes(createUserId(peer.id)) && <FollowButton peer={peer} />}
              </li>
            ))}
          </ul>
        </div>
      </TldrawUiPopoverContent>
    </TldrawUiPopover>
  )
}
