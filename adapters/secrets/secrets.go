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
	"syscall"
	"time"
)

// KeyFileName is where a generated master key is kept inside the data directory.
const KeyFileName = "secret.key"

// keyLineLen is the length of the key file LoadMasterKey writes: base64 of 32 bytes and a newline.
var keyLineLen = base64.StdEncoding.EncodedLen(32) + 1

// How long a reader waits for a key file being written in place (see readKeyFile).
const (
	keyReadAttempts = 100
	keyReadPause    = 50 * time.Millisecond
)

// link and pause are os.Link and time.Sleep; tests replace them to play a filesystem without
// hard links and to see a reader wait.
var (
	link  = os.Link
	pause = time.Sleep
)

// LoadMasterKey returns the 32-byte master key: decoded from configured (base64 or hex of 32
// bytes) when set, otherwise read from dataDir/secret.key, which is created (mode 0600) with a
// random key on first use. Servers starting together on a fresh data directory all get the key
// of the first one to create the file.
func LoadMasterKey(configured, dataDir string) ([]byte, error) {
	if configured != "" {
		return decodeKey(configured)
	}
	path := filepath.Join(dataDir, KeyFileName)
	key, err := readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate secret key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	created, err := createKeyFile(dataDir, path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"))
	if err != nil {
		return nil, err
	}
	if !created { // another starter got there first: its key wins
		return readKeyFile(path)
	}
	return key, nil
}

// createKeyFile creates path holding line, or reports false when path already exists. The line
// is written whole to a temporary file and synced, then linked into place: the link fails when
// another process got there first, and no reader or crash can ever see a partly written key
// file. Where the filesystem has no hard links, the file is created in place instead.
func createKeyFile(dir, path string, line []byte) (bool, error) {
	tmp, err := os.CreateTemp(dir, KeyFileName+".*")
	if err != nil {
		return false, fmt.Errorf("create secret key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeSynced(tmp, line); err != nil {
		return false, fmt.Errorf("write secret key: %w", err)
	}
	err = link(tmp.Name(), path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	case noHardLinks(err):
		return createKeyFileInPlace(path, line)
	default:
		return false, fmt.Errorf("create %s: %w", path, err)
	}
}

// noHardLinks reports whether link failed because the filesystem makes no hard links (some
// FUSE, network and FAT mounts): unsupported (ENOTSUP, EOPNOTSUPP, ENOSYS and Windows' like
// errors all match errors.ErrUnsupported), EPERM, which link(2) answers on such a filesystem,
// or EXDEV from mounts spreading one directory over several stores. Permission (EACCES) and I/O
// errors are real failures.
func noHardLinks(err error) bool {
	return errors.Is(err, errors.ErrUnsupported) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EXDEV)
}

// createKeyFileInPlace is the fallback without hard links: O_EXCL still lets exactly one starter
// create the file, but the file exists, empty, before the line is in it, and a reader meanwhile
// sees it short (readKeyFile waits for it). A file this write could not finish is removed, so
// the next start can try again instead of meeting a broken key file.
func createKeyFileInPlace(path string, line []byte) (bool, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create %s: %w", path, err)
	}
	if err := writeSynced(f, line); err != nil {
		_ = os.Remove(path)
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	return true, nil
}

// writeSynced writes data to f, syncs and closes it.
func writeSynced(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readKeyFile reads the key at path. A file that holds no key and is shorter than the line
// LoadMasterKey writes may be one another starter is still writing in place (no hard links), so
// it is read again, keyReadAttempts times keyReadPause apart, before being refused. Polling is
// the one signal processes sharing nothing but the directory have: a lock file would outlive a
// crashed creator, and file locks are unreliable on exactly the network and FUSE mounts that
// lack hard links. The length, not the file's age, tells a write in progress, because
// modification times on those mounts come from another clock. A partial file can never be
// taken for a key: a prefix of the base64 line either fails to decode to 32 bytes or (43
// characters read as unpadded base64) decodes to the very same key.
func readKeyFile(path string) ([]byte, error) {
	for attempt := 1; ; attempt++ {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		key, err := decodeKey(strings.TrimSpace(string(raw)))
		if err == nil {
			return key, nil
		}
		if len(raw) >= keyLineLen {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if attempt == keyReadAttempts {
			return nil, fmt.Errorf("%s holds no complete key; if a first start was interrupted while creating it, and so no server has used it, delete it: %w", path, err)
		}
		pause(keyReadPause)
	}
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
