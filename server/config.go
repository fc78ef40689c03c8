// Package server is Gatehouse's composition root: configuration, wiring of adapters to use
// cases, and the serve, migrate and version commands.
package server

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the server's configuration. Every field has a flag and a GATEHOUSE_* variable;
// a flag wins over the variable, the variable over the default.
type Config struct {
	HTTPAddr        string
	PublicURL       string
	DataDir         string
	DatabaseURL     string
	AdminToken      string
	SecretKey       string
	MaxTokenTTL     time.Duration
	AutoMigrate     bool
	LogLevel        slog.Level
	LogFormat       string
	ShutdownTimeout time.Duration
}

// option describes one setting for the flag set, the environment and the README table.
type option struct {
	flag, env, def, usage string
	set                   func(c *Config, v string) error
}

var options = []option{
	{"http-addr", "GATEHOUSE_HTTP_ADDR", ":8080", "address the HTTP server listens on",
		func(c *Config, v string) error { c.HTTPAddr = v; return nil }},
	{"public-url", "GATEHOUSE_PUBLIC_URL", "http://localhost:8080", "external base URL; pool issuers live below it",
		func(c *Config, v string) error {
			if !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
				return errors.New("must start with http:// or https://")
			}
			c.PublicURL = strings.TrimRight(v, "/")
			return nil
		}},
	{"data-dir", "GATEHOUSE_DATA_DIR", "./data", "directory for the SQLite database and generated files",
		func(c *Config, v string) error { c.DataDir = v; return nil }},
	{"database-url", "GATEHOUSE_DATABASE_URL", "", "sqlite:PATH or mysql://USER:PASS@HOST:PORT/DB (default sqlite:<data-dir>/gatehouse.db)",
		func(c *Config, v string) error { c.DatabaseURL = v; return nil }},
	{"admin-token", "GATEHOUSE_ADMIN_TOKEN", "", "bearer token of the management API (generated and printed once when unset)",
		func(c *Config, v string) error { c.AdminToken = v; return nil }},
	{"secret-key", "GATEHOUSE_SECRET_KEY", "", "32-byte master key (base64 or hex) encrypting secrets at rest (generated into <data-dir>/secret.key when unset)",
		func(c *Config, v string) error { c.SecretKey = v; return nil }},
	{"max-token-ttl", "GATEHOUSE_MAX_TOKEN_TTL", "24h", "longest lifetime of a signed token; a retired signing key stays published this long",
		func(c *Config, v string) (err error) {
			if c.MaxTokenTTL, err = time.ParseDuration(v); err == nil && c.MaxTokenTTL < time.Minute {
				err = errors.New("must be at least 1m")
			}
			return err
		}},
	{"auto-migrate", "GATEHOUSE_AUTO_MIGRATE", "true", "apply pending migrations when serve starts",
		func(c *Config, v string) (err error) { c.AutoMigrate, err = strconv.ParseBool(v); return err }},
	{"log-level", "GATEHOUSE_LOG_LEVEL", "info", "debug, info, warn or error",
		func(c *Config, v string) error { return c.LogLevel.UnmarshalText([]byte(v)) }},
	{"log-format", "GATEHOUSE_LOG_FORMAT", "text", "text or json",
		func(c *Config, v string) error {
			if v != "text" && v != "json" {
				return errors.New("must be text or json")
			}
			c.LogFormat = v
			return nil
		}},
	{"shutdown-timeout", "GATEHOUSE_SHUTDOWN_TIMEOUT", "15s", "how long serve waits for requests in flight when stopping",
		func(c *Config, v string) (err error) { c.ShutdownTimeout, err = time.ParseDuration(v); return err }},
}

// LoadConfig parses args (flags of a subcommand) over the environment read through getenv and
// returns the configuration and the remaining arguments.
func LoadConfig(name string, args []string, getenv func(string) string, output io.Writer) (Config, []string, error) {
	return loadConfig(name, args, getenv, output, nil)
}

// loadConfig is LoadConfig with extra flags of a subcommand declared by extra.
func loadConfig(name string, args []string, getenv func(string) string, output io.Writer, extra func(*flag.FlagSet)) (Config, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(output)
	if extra != nil {
		extra(fs)
	}
	values := make([]*string, len(options))
	for i, o := range options {
		def := o.def
		if v := getenv(o.env); v != "" {
			def = v
		}
		values[i] = fs.String(o.flag, def, fmt.Sprintf("%s (env %s)", o.usage, o.env))
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, nil, err
	}
	var c Config
	for i, o := range options {
		if err := o.set(&c, *values[i]); err != nil {
			return Config{}, nil, fmt.Errorf("%s (--%s): %w", o.env, o.flag, err)
		}
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite:" + filepath.Join(c.DataDir, "gatehouse.db")
	}
	return c, fs.Args(), nil
}
