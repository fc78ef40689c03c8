package secrets

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestMasterKeyIsGeneratedOnceAndKeptPrivate(t *testing.T) {
	dir := t.TempDir()
	k1, err := LoadMasterKey("", dir)
	if err != nil || len(k1) != 32 {
		t.Fatal(k1, err)
	}
	k2, err := LoadMasterKey("", dir)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatal("second load gave another key")
	}
	info, err := os.Stat(filepath.Join(dir, KeyFileName))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v %v", info.Mode(), err)
	}
	configured := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	if k, err := LoadMasterKey(configured, dir); err != nil || !bytes.Equal(k, bytes.Repeat([]byte{7}, 32)) {
		t.Fatal("configured key not used")
	}
	for _, bad := range []string{"short", base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		if _, err := LoadMasterKey(bad, dir); err == nil {
			t.Fatalf("accepted %q", bad)
		}
	}
}

func TestCipherRoundTripAndBinding(t *testing.T) {
	c, err := NewCipher(Derive(bytes.Repeat([]byte{1}, 32), "test"))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := c.Seal([]byte(`{"secret_key":"s3cr3t"}`), []byte("row-1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("s3cr3t")) {
		t.Fatal("plaintext visible")
	}
	again, _ := c.Seal([]byte(`{"secret_key":"s3cr3t"}`), []byte("row-1"))
	if bytes.Equal(sealed, again) {
		t.Fatal("nonce reused")
	}
	if plain, err := c.Open(sealed, []byte("row-1")); err != nil || string(plain) != `{"secret_key":"s3cr3t"}` {
		t.Fatal(plain, err)
	}
	if _, err := c.Open(sealed, []byte("row-2")); err == nil {
		t.Fatal("ciphertext opened under another row")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := c.Open(sealed, []byte("row-1")); err == nil {
		t.Fatal("tampered ciphertext opened")
	}
	if bytes.Equal(Derive([]byte("k"), "a"), Derive([]byte("k"), "b")) {
		t.Fatal("sub-keys of different purposes are equal")
	}
}

// Processes starting together on a fresh data directory all end up with the one key written,
// never a partial one, and leave no temporary files behind.
func TestMasterKeyRaceAgreesOnOneKey(t *testing.T) {
	dir := t.TempDir()
	keys := make([][]byte, 20)
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = LoadMasterKey("", dir)
		}()
	}
	wg.Wait()
	for i := range keys {
		if errs[i] != nil || !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("load %d: %x %v, first was %x", i, keys[i], errs[i], keys[0])
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != KeyFileName {
		t.Fatalf("data dir holds %v (%v)", entries, err)
	}
}
