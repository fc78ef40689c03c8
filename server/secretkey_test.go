package server

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServerKeyGeneratedOnceAndReused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	cfg := Config{DataDir: dir}
	k1, err := serverKey(cfg)
	if err != nil || len(k1) != 32 {
		t.Fatalf("generate: %d bytes, %v", len(k1), err)
	}
	info, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", info, err)
	}
	k2, err := serverKey(cfg)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatal("the generated key was not reused")
	}
	configured := strings.Repeat("k", 40)
	k3, err := serverKey(Config{DataDir: dir, SecretKey: configured})
	if err != nil || string(k3) != configured {
		t.Fatalf("configured key not used: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secret.key"), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := serverKey(cfg); err == nil {
		t.Fatal("a truncated key file was accepted")
	}
}

func TestSecretKeyConfig(t *testing.T) {
	env := map[string]string{"GATEHOUSE_SECRET_KEY": "too-short"}
	if _, _, err := LoadConfig("serve", nil, func(k string) string { return env[k] }, io.Discard); err == nil {
		t.Fatal("a short GATEHOUSE_SECRET_KEY was accepted")
	}
	env["GATEHOUSE_SECRET_KEY"] = strings.Repeat("x", 32)
	cfg, _, err := LoadConfig("serve", nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil || cfg.SecretKey != env["GATEHOUSE_SECRET_KEY"] {
		t.Fatalf("config: %v", err)
	}
}
