package server

import (
	"io"
	"log/slog"
	"testing"
	"time"
)

func TestConfigPrecedence(t *testing.T) {
	env := map[string]string{"GATEHOUSE_HTTP_ADDR": ":9000", "GATEHOUSE_DATA_DIR": "/var/lib/gh", "GATEHOUSE_LOG_LEVEL": "debug"}
	cfg, rest, err := LoadConfig("serve", []string{"--http-addr", ":9100", "extra"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != ":9100" {
		t.Errorf("flag must win over env: %q", cfg.HTTPAddr)
	}
	if cfg.DatabaseURL != "sqlite:/var/lib/gh/gatehouse.db" {
		t.Errorf("database default follows the data dir: %q", cfg.DatabaseURL)
	}
	if cfg.PublicURL != "http://localhost:8080" || !cfg.AutoMigrate || cfg.LogLevel != slog.LevelDebug || cfg.ShutdownTimeout != 15*time.Second {
		t.Errorf("defaults: %+v", cfg)
	}
	if len(rest) != 1 || rest[0] != "extra" {
		t.Errorf("rest %v", rest)
	}
}

func TestConfigRefusesBadValues(t *testing.T) {
	for _, args := range [][]string{
		{"--public-url", "localhost:8080"},
		{"--auto-migrate", "maybe"},
		{"--log-level", "loud"},
		{"--log-format", "xml"},
		{"--shutdown-timeout", "soon"},
		{"--trusted-proxies", "10.0.0.0/8,proxy.local"},
		{"--cache-ttl", "-1s"},
		{"--cache-ttl", "5"},
	} {
		if _, _, err := LoadConfig("serve", args, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestConfigTrustedProxies(t *testing.T) {
	cfg, _, err := LoadConfig("serve", nil, func(string) string { return "" }, io.Discard)
	if err != nil || cfg.TrustedProxies != nil {
		t.Fatalf("default must trust no proxy: %v %v", cfg.TrustedProxies, err)
	}
	env := map[string]string{"GATEHOUSE_TRUSTED_PROXIES": " 10.0.0.0/8, 192.0.2.1 ,"}
	cfg, _, err = LoadConfig("serve", nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil || len(cfg.TrustedProxies) != 2 || cfg.TrustedProxies[0] != "10.0.0.0/8" || cfg.TrustedProxies[1] != "192.0.2.1" {
		t.Fatalf("parsed %v %v", cfg.TrustedProxies, err)
	}
}

func TestConfigCacheTTL(t *testing.T) {
	for env, want := range map[string]time.Duration{"": 5 * time.Second, "0": 0, "250ms": 250 * time.Millisecond} {
		cfg, _, err := LoadConfig("serve", nil, func(k string) string {
			if k == "GATEHOUSE_CACHE_TTL" {
				return env
			}
			return ""
		}, io.Discard)
		if err != nil || cfg.CacheTTL != want {
			t.Errorf("GATEHOUSE_CACHE_TTL=%q: %v, %v; want %v", env, cfg.CacheTTL, err, want)
		}
	}
}
