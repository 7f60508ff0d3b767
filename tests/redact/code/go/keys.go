package keys

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

type KeyPair struct {
	PublicKey  ed25519.PublicKey
	PrivateKey ed25519.PrivateKey
	KeyID      string
}

func Generate() (KeyPair, error) {
	publicKey, privateKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return KeyPair{}, fmt.Errorf("generate key: %w", err)
	}
	keyID := hex.EncodeToString(publicKey[:8])
	return KeyPair{PublicKey: publicKey, PrivateKey: privateKey, KeyID: keyID}, nil
}

func (k KeyPair) Sign(message []byte) []byte {
	return ed25519.Sign(k.PrivateKey, message)
}

var keySizes = map[string]int{"ed25519": 32, "rsa": 2048, "ecdsa": 256}

func KeySize(algorithm string) int {
	key := algorithm
	if size, ok := keySizes[key]; ok {
		return size
	}
	return 0
}
