import { Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import * as bcrypt from 'bcrypt';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

const SALT_ROUNDS = 12;
const ACCESS_TOKEN_TTL = '15m';

@Injectable()
export class AuthService {
  private readonly refreshSecret: string;

  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    config: ConfigService,
  ) {
    this.refreshSecret = config.getOrThrow<string>('JWT_REFRESH_SECRET');
  }

  async register(email: string, password: string): Promise<TokenPair> {
    const passwordHash = await bcrypt.hash(password, SALT_ROUNDS);
    const user = await this.users.create({ email, passwordHash });
    return this.issue(user.id);
  }

  async login(email: string, password: string): Promise<TokenPair> {
    const user = await this.users.findByEmail(email);
    const ok = user && (await bcrypt.compare(password, user.passwordHash));
    if (!ok) {
      throw new UnauthorizedException('Invalid email or password');
    }
    return this.issue(user.id);
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const payload = await this.jwt.verifyAsync<{ sub: string }>(refreshToken, { secret: this.refreshSecret });
    return this.issue(payload.sub);
  }

  private async issue(userId: string): Promise<TokenPair> {
    const accessToken = await this.jwt.signAsync({ sub: userId }, { expiresIn: ACCESS_TOKEN_TTL });
    const refreshToken = await this.jwt.signAsync({ sub: userId }, { secret: this.refreshSecret, expiresIn: '30d' });
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: 900 };
  }
}

export function extractToken(header?: string): string | undefined {
  const [type, token] = header?.split(' ') ?? [];
  return type === 'Bearer' ? token : undefined;
}
