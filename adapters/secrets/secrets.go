// Package secrets holds the server's master key and what is derived from it: AES-256-GCM
// encryption of secrets at rest (connector credentials, signing keys) and keyed hashes. Each use
// gets its own sub-key through HKDF-SHA256, so one leaked sub-key exposes nothing else.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFileName is where a generated master key is kept inside the data directory.
const KeyFileName = "secret.key"

// LoadMasterKey returns the 32-byte master key: decoded from configured (base64 or hex of 32
// bytes) when set, otherwise read from dataDir/secret.key, which is created (mode 0600) with a
// random key on first use.
func LoadMasterKey(configured, dataDir string) ([]byte, error) {
	if configured != "" {
		return decodeKey(configured)
	}
	path := filepath.Join(dataDir, KeyFileName)
	raw, err := os.ReadFile(path)
	if err == nil {
		return decodeKey(strings.TrimSpace(string(raw)))
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate secret key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	// The key is written whole to a temporary file and synced, then linked into place: the link
	// fails when another process got there first (its key wins), and no reader or crash can
	// ever see a partly written key file.
	tmp, err := os.CreateTemp(dataDir, KeyFileName+".*")
	if err != nil {
		return nil, fmt.Errorf("create secret key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write secret key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return LoadMasterKey("", dataDir)
	} else if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return key, nil
}

func decodeKey(s string) ([]byte, error) {
	for _, dec := range []func(string) ([]byte, error){base64.StdEncoding.DecodeString, base64.RawURLEncoding.DecodeString, hex.DecodeString} {
		if k, err := dec(s); err == nil && len(k) == 32 {
			return k, nil
		}
	}
	return nil, errors.New("secret key must be 32 bytes, base64 or hex encoded")
}

// Derive returns a 32-byte sub-key of master for one purpose.
func Derive(master []byte, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, master, nil, "gatehouse/"+purpose, 32)
	if err != nil {
		panic(err) // only for lengths out of range, which 32 is not
	}
	return k
}

// Cipher is AES-256-GCM with a random nonce per message; it implements ports.Cipher.
type Cipher struct{ aead cipher.AEAD }

// NewCipher builds a cipher from a 32-byte key.
func NewCipher(key []byte) (*Cipher, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	return &Cipher{aead: aead}, nil
}

// Seal encrypts plaintext bound to associated (for example the owning row's id), so a
// ciphertext copied to another row does not decrypt.
func (c *Cipher) Seal(plaintext, associated []byte) ([]byte, error) {
	nonce := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+len(plaintext)+c.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return c.aead.Seal(nonce, nonce, plaintext, associated), nil
}

// Open decrypts what Seal produced with the same associated data.
func (c *Cipher) Open(sealed, associated []byte) ([]byte, error) {
	n := c.aead.NonceSize()
	if len(sealed) < n+c.aead.Overhead() {
		return nil, errors.New("ciphertext too short")
	}
	plain, err := c.aead.Open(nil, sealed[:n], sealed[n:], associated)
	if err != nil {
		return nil, errors.New("ciphertext does not authenticate")
	}
	return plain, nil
}
