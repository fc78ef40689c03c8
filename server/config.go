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

	"github.com/gatehouse-iam/gatehouse/plugins/host"
)

// Config is the server's configuration. Every field has a flag and a GATEHOUSE_* variable;
// a flag wins over the variable, the variable over the default.
type Config struct {
	HTTPAddr        string
	PublicURL       string
	DataDir         string
	DatabaseURL     string
	AdminToken      string
	MaxTokenTTL     time.Duration
	AutoMigrate     bool
	LogLevel        slog.Level
	LogFormat       string
	ShutdownTimeout time.Duration

	SecretKey         string
	PluginDir         string
	PluginCallTimeout time.Duration
	PluginMaxProcs    int
	// DefaultConnectors are the platform's connectors per channel for pools without their own.
	DefaultSMS, DefaultEmail PlatformConnectorConfig
	FreeSMSQuota             int
	FreeEmailQuota           int
	// TrustedProxies are proxy IPs or CIDRs whose X-Forwarded-For names the client; empty
	// trusts none.
	TrustedProxies []string
	// CacheTTL is how long configuration read on the sign-in path is served from memory; 0
	// reads it from the database every time.
	CacheTTL time.Duration
}

// PlatformConnectorConfig names a default connector type with its JSON configuration and
// templates; empty config and templates take the built-in defaults of the mock connectors.
type PlatformConnectorConfig struct {
	Type      string
	Config    string
	Templates string
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
	{"plugin-dir", "GATEHOUSE_PLUGIN_DIR", "bin/plugins", "directory of connector plugin binaries",
		func(c *Config, v string) error { c.PluginDir = v; return nil }},
	{"plugin-call-timeout", "GATEHOUSE_PLUGIN_CALL_TIMEOUT", "10s", "deadline of every call to a connector plugin",
		func(c *Config, v string) (err error) { c.PluginCallTimeout, err = time.ParseDuration(v); return err }},
	{"plugin-max-procs", "GATEHOUSE_PLUGIN_MAX_PROCS", strconv.Itoa(host.DefaultMaxProcs), "GOMAXPROCS of every connector plugin process (threads running its Go code at once); 0 leaves Go's default, the number of CPUs",
		func(c *Config, v string) (err error) { c.PluginMaxProcs, err = parseCount(v); return err }},
	{"default-sms-connector", "GATEHOUSE_DEFAULT_SMS_CONNECTOR", "mocksms", "connector type carrying SMS of pools without their own",
		func(c *Config, v string) error { c.DefaultSMS.Type = v; return nil }},
	{"default-sms-config", "GATEHOUSE_DEFAULT_SMS_CONFIG", "", `its JSON config (default {"outbox": "<data-dir>/outbox-sms.jsonl"})`,
		func(c *Config, v string) error { c.DefaultSMS.Config = v; return nil }},
	{"default-sms-templates", "GATEHOUSE_DEFAULT_SMS_TEMPLATES", "", "its JSON templates array (default: built-in mock templates)",
		func(c *Config, v string) error { c.DefaultSMS.Templates = v; return nil }},
	{"default-email-connector", "GATEHOUSE_DEFAULT_EMAIL_CONNECTOR", "mockemail", "connector type carrying email of pools without their own",
		func(c *Config, v string) error { c.DefaultEmail.Type = v; return nil }},
	{"default-email-config", "GATEHOUSE_DEFAULT_EMAIL_CONFIG", "", `its JSON config (default {"outbox": "<data-dir>/outbox-email.jsonl"})`,
		func(c *Config, v string) error { c.DefaultEmail.Config = v; return nil }},
	{"default-email-templates", "GATEHOUSE_DEFAULT_EMAIL_TEMPLATES", "", "its JSON templates array (default: built-in mock templates)",
		func(c *Config, v string) error { c.DefaultEmail.Templates = v; return nil }},
	{"free-sms-quota", "GATEHOUSE_FREE_SMS_QUOTA", "50", "SMS per pool on the default connector",
		func(c *Config, v string) (err error) { c.FreeSMSQuota, err = parseCount(v); return err }},
	{"free-email-quota", "GATEHOUSE_FREE_EMAIL_QUOTA", "50", "emails per pool on the default connector",
		func(c *Config, v string) (err error) { c.FreeEmailQuota, err = parseCount(v); return err }},
	{"cache-ttl", "GATEHOUSE_CACHE_TTL", "5s", "how long configuration read by sign-ins is cached; 0 disables the cache",
		func(c *Config, v string) (err error) {
			if c.CacheTTL, err = time.ParseDuration(v); err == nil && c.CacheTTL < 0 {
				err = errors.New("must not be negative")
			}
			return err
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

func parseCount(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errors.New("must be a whole number ≥ 0")
	}
	return n, nil
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
