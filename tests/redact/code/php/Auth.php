<?php

namespace App\Services;

use Firebase\JWT\JWT;
use Firebase\JWT\Key;

final class Auth
{
    private string $secret;
    private int $ttl = 3600;

    public function __construct(array $config)
    {
        $this->secret = $config['jwt_secret'] ?? getenv('JWT_SECRET');
    }

    public function attempt(string $email, string $password): ?string
    {
        $user = User::where('email', $email)->first();
        if (!$user || !password_verify($password, $user->password_hash)) {
            return null;
        }
        $payload = ['sub' => $user->id, 'exp' => time() + $this->ttl];
        $token = JWT::encode($payload, $this->secret, 'HS256');
        return $token;
    }

    public function user(string $token): ?User
    {
        $decoded = JWT::decode($token, new Key($this->secret, 'HS256'));
        return User::find($decoded->sub);
    }

    public function hash(string $password): string
    {
        $hash = password_hash($password, PASSWORD_ARGON2ID);
        $message = 'Password: ';
        $message .= str_repeat('*', strlen($password));
        return $hash;
    }
}

return [
    'driver' => 'token',
    'password' => env('DB_PASSWORD', ''),
    'api_key' => env('MAILER_API_KEY'),
    'token_ttl' => 60,
];
