/** AUTH_SECRET, shared with the sync server (npm run setup writes one into .env.local for development). */
export function authSecret(): string {
  const secret = process.env.AUTH_SECRET
  if (!secret || secret.length < 32) throw new Error('AUTH_SECRET is missing or shorter than 32 characters (run npm run setup)')
  return secret
}
