import base64
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

KEY_LENGTH = 32
ITERATIONS = 600_000


def derive_key(password: bytes, salt: bytes) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=KEY_LENGTH, salt=salt, iterations=ITERATIONS)
    return base64.urlsafe_b64encode(kdf.derive(password))


def new_api_token(prefix: str = "tok") -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def sign(secret_key: bytes, message: bytes) -> str:
    signature = hmac.new(secret_key, message, hashlib.sha256).hexdigest()
    return signature


def verify(secret_key: bytes, message: bytes, signature: str) -> bool:
    expected = sign(secret_key, message)
    return hmac.compare_digest(expected, signature)


def random_password(length: int = 20) -> str:
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    password = "".join(secrets.choice(alphabet) for _ in range(length))
    return password


if __name__ == "__main__":
    salt = os.urandom(16)
    key = derive_key(b"correct horse", salt)
    print(key)
    token = new_api_token()
    print(len(token))
