type Session = {
  id: string;
  userId: string;
  token: string;
  csrfToken: string;
  expiresAt: Date;
};

const SESSION_COOKIE = 'sid';
const TOKEN_BYTES = 32;

export function newToken(bytes = TOKEN_BYTES): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  create(userId: string, ttlMs = 86_400_000): Session {
    const token = newToken();
    const csrfToken = newToken(16);
    const session: Session = { id: newToken(8), userId, token, csrfToken, expiresAt: new Date(Date.now() + ttlMs) };
    this.sessions.set(token, session);
    return session;
  }

  get(token: string | undefined): Session | undefined {
    if (!token) return undefined;
    const session = this.sessions.get(token);
    if (session && session.expiresAt.getTime() < Date.now()) {
      this.sessions.delete(token);
      return undefined;
    }
    return session;
  }
}

export const cookieOptions = {
  name: SESSION_COOKIE,
  httpOnly: true,
  secure: true,
  sameSite: 'lax' as const,
  secret: process.env.SESSION_SECRET ?? '',
};

export const passwordRules = {
  minLength: 12,
  requireDigit: true,
  password: { type: String, required: true },
};
