package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
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

// replace sets *p to v for the rest of the test.
func replace[T any](t *testing.T, p *T, v T) {
	old := *p
	*p = v
	t.Cleanup(func() { *p = old })
}

// noLinks makes link fail with errno, as on a filesystem without hard links, and counts its calls.
func noLinks(t *testing.T, errno syscall.Errno) *atomic.Int32 {
	var calls atomic.Int32
	replace(t, &link, func(oldname, newname string) error {
		calls.Add(1)
		return &os.LinkError{Op: "link", Old: oldname, New: newname, Err: errno}
	})
	return &calls
}

// Processes starting together on a fresh data directory all end up with the one key written,
// never a partial one, and leave no temporary files behind; with hard links or without.
func TestMasterKeyRaceAgreesOnOneKey(t *testing.T) {
	for _, hardLinks := range []bool{true, false} {
		t.Run(fmt.Sprintf("hard links %v", hardLinks), func(t *testing.T) {
			var linkCalls *atomic.Int32
			if !hardLinks {
				linkCalls = noLinks(t, syscall.EPERM)
			}
			dir := t.TempDir()
			keys := make([][]byte, 20)
			errs := make([]error, len(keys))
			var wg sync.WaitGroup
			for i := range keys {
				wg.Go(func() { keys[i], errs[i] = LoadMasterKey("", dir) })
			}
			wg.Wait()
			for i := range keys {
				if errs[i] != nil || !bytes.Equal(keys[i], keys[0]) {
					t.Fatalf("load %d: %x %v, first was %x", i, keys[i], errs[i], keys[0])
				}
			}
			expectKeyFile(t, dir, keys[0])
			if linkCalls != nil && linkCalls.Load() == 0 {
				t.Fatal("no load tried to link")
			}
		})
	}
}

// expectKeyFile checks that dir holds only the key file, private, with key in it.
func expectKeyFile(t *testing.T, dir string, key []byte) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != KeyFileName {
		t.Fatalf("data dir holds %v (%v)", entries, err)
	}
	path := filepath.Join(dir, KeyFileName)
	raw, err := os.ReadFile(path)
	if err != nil || string(raw) != base64.StdEncoding.EncodeToString(key)+"\n" {
		t.Fatalf("key file %q (%v), want the key %x", raw, err, key)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v %v", info.Mode(), err)
	}
}

// Each way a filesystem says it makes no hard links falls back to creating the file in place;
// other link failures stop the start.
func TestMasterKeyWithoutHardLinks(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.EPERM, syscall.ENOTSUP, syscall.EOPNOTSUPP, syscall.ENOSYS, syscall.EXDEV} {
		t.Run(errno.Error(), func(t *testing.T) {
			noLinks(t, errno)
			dir := t.TempDir()
			key, err := LoadMasterKey("", dir)
			if err != nil {
				t.Fatal(err)
			}
			expectKeyFile(t, dir, key)
			if again, err := LoadMasterKey("", dir); err != nil || !bytes.Equal(again, key) {
				t.Fatalf("second load: %x %v, want %x", again, err, key)
			}
		})
	}
	for _, errno := range []syscall.Errno{syscall.EACCES, syscall.EIO} {
		t.Run(errno.Error(), func(t *testing.T) {
			noLinks(t, errno)
			dir := t.TempDir()
			if _, err := LoadMasterKey("", dir); !errors.Is(err, errno) {
				t.Fatalf("load: %v, want %v", err, errno)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("data dir holds %v", entries)
			}
		})
	}
}

// A key file shorter than a key line is one still being written in place: the reader reads it
// again until it is whole, and refuses it only after a bounded wait.
func TestMasterKeyReaderWaitsForPartialFile(t *testing.T) {
	key := bytes.Repeat([]byte{9}, 32)
	line := base64.StdEncoding.EncodeToString(key) + "\n"
	dir := t.TempDir()
	path := filepath.Join(dir, KeyFileName)
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The writer finishes while the reader waits.
	write("")
	pauses := 0
	replace(t, &pause, func(time.Duration) {
		pauses++
		switch pauses {
		case 1:
			write(line[:20])
		case 2:
			write(line)
		}
	})
	if got, err := LoadMasterKey("", dir); err != nil || !bytes.Equal(got, key) || pauses != 2 {
		t.Fatalf("load: %x %v after %d pauses, want %x after 2", got, err, pauses, key)
	}
	// A writer that never finishes: refused after keyReadAttempts reads.
	write(line[:20])
	pauses = 0
	replace(t, &pause, func(time.Duration) { pauses++ })
	if _, err := LoadMasterKey("", dir); err == nil || !strings.Contains(err.Error(), "no complete key") || pauses != keyReadAttempts-1 {
		t.Fatalf("partial file: %v after %d pauses", err, pauses)
	}
	// A file as long as a key line but no key is refused at once.
	write(strings.Repeat("!", len(line)))
	pauses = 0
	if _, err := LoadMasterKey("", dir); err == nil || pauses != 0 {
		t.Fatalf("bad file: %v after %d pauses", err, pauses)
	}
}
