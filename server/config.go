// Package server is Gatehouse's composition root: configuration, wiring of adapters to use
// cases, and the serve, migrate and version commands.
package server

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
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
	AutoMigrate     bool
	LogLevel        slog.Level
	LogFormat       string
	ShutdownTimeout time.Duration
	// TrustedProxies are proxy IPs or CIDRs whose X-Forwarded-For names the client; empty
	// trusts none, so the audit log records the TCP peer.
	TrustedProxies []string
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
	{"trusted-proxies", "GATEHOUSE_TRUSTED_PROXIES", "", "comma-separated proxy IPs/CIDRs whose X-Forwarded-For is believed (default none)",
		func(c *Config, v string) error {
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p == "" {
					continue
				}
				if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
					return fmt.Errorf("%q is neither an IP nor a CIDR", p)
				}
				c.TrustedProxies = append(c.TrustedProxies, p)
			}
			return nil
		}},
}

// LoadConfig parses args (flags of a subcommand) over the environment read through getenv and
// returns the configuration and the remaining arguments.
func LoadConfig(name string, args []string, getenv func(string) string, output io.Writer) (Config, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(output)
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
