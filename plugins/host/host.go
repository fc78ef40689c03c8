// Package host finds connector plugin binaries, launches and supervises their processes and
// implements ports.MessageSender on top of them.
//
// Each binary is registered once: its SHA-256 is recorded and `<binary> --describe` tells its
// metadata. It is launched lazily on the first call through go-plugin (gRPC only, AutoMTLS,
// the recorded checksum enforced, no host environment: a connector's secrets arrive only in
// the call) and the one process serves every call of every tenant, because the protocol is
// stateless. A crashed plugin answers calls with an unavailable error and is relaunched by the
// next call, with capped exponential backoff when it keeps crashing. Close kills every plugin.
package host

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
	"github.com/gatehouse-iam/gatehouse/plugins/internal/protocol"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Config configures a Host. Zero values take the defaults.
type Config struct {
	// PluginDir is scanned for connector binaries: every executable regular file (symlinks
	// followed) is one. Default bin/plugins.
	PluginDir string
	// CallTimeout bounds every call to a plugin; a sooner deadline on the caller's context
	// wins. Default 10s.
	CallTimeout time.Duration
	// StartTimeout bounds launching a plugin and running it with --describe. Default 10s.
	StartTimeout time.Duration
	// BackoffMin and BackoffMax shape the wait before relaunching a plugin that crashed again
	// right after a relaunch: the first relaunch is immediate, then BackoffMin doubling up to
	// BackoffMax. Defaults 250ms and 30s.
	BackoffMin, BackoffMax time.Duration
	// MaxProcs, when positive, is the GOMAXPROCS every plugin process runs with (how many
	// threads run its Go code at once; see DefaultMaxProcs). Zero leaves Go's default, the
	// number of CPUs.
	MaxProcs int
	// Logger receives the host's and the plugins' logs. Default slog.Default().
	Logger *slog.Logger
}

// DefaultMaxProcs is the MaxProcs the server configures unless told otherwise: a connector
// mostly waits on its provider, and every further thread woken for a call takes a core from
// the server.
const DefaultMaxProcs = protocol.DefaultMaxProcs

// DefaultPluginDir is where binaries are looked for when Config.PluginDir is empty.
const DefaultPluginDir = "bin/plugins"

func (c *Config) setDefaults() {
	if c.PluginDir == "" {
		c.PluginDir = DefaultPluginDir
	}
	if c.CallTimeout <= 0 {
		c.CallTimeout = 10 * time.Second
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 10 * time.Second
	}
	if c.BackoffMin <= 0 {
		c.BackoffMin = 250 * time.Millisecond
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Host supervises the connector plugins. It is safe for concurrent use.
type Host struct {
	cfg Config
	log *slog.Logger

	mu     sync.RWMutex
	byName map[string]*entry
	closed bool
}

var _ ports.MessageSender = (*Host)(nil)

// New registers every connector binary in cfg.PluginDir. A file that is not a working
// connector is skipped with a warning, so one broken file does not keep the server down; two
// binaries claiming the same connector type is an error. A missing directory means no types.
func New(ctx context.Context, cfg Config) (*Host, error) {
	cfg.setDefaults()
	h := &Host{cfg: cfg, log: cfg.Logger, byName: map[string]*entry{}}
	entries, err := os.ReadDir(cfg.PluginDir)
	if errors.Is(err, os.ErrNotExist) {
		h.log.Warn("connector plugin directory does not exist; no connector types", "dir", cfg.PluginDir)
		return h, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read plugin directory: %w", err)
	}
	for _, de := range entries {
		path := filepath.Join(cfg.PluginDir, de.Name())
		fi, err := os.Stat(path)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			continue
		}
		err = h.Register(ctx, path)
		var dup *duplicateError
		switch {
		case errors.As(err, &dup):
			h.Close()
			return nil, err
		case err != nil:
			h.log.Warn("skipping file in plugin directory that is not a working connector", "path", path, "error", err)
		}
	}
	return h, nil
}

type duplicateError struct{ name, first, second string }

func (e *duplicateError) Error() string {
	return fmt.Sprintf("connector type %s is provided by both %s and %s", e.name, e.first, e.second)
}

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Register adds the connector binary at path: it records the binary's SHA-256, learns its
// metadata with --describe and compiles its config schema. The binary is not launched yet.
func (h *Host) Register(ctx context.Context, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("register %s: %w", path, err)
	}
	sum, err := fileSHA256(abs)
	if err != nil {
		return fmt.Errorf("register %s: %w", path, err)
	}
	info, err := h.describe(ctx, abs)
	if err != nil {
		return fmt.Errorf("register %s: %w", path, err)
	}
	// The metadata must come from the binary whose checksum is pinned.
	if again, err := fileSHA256(abs); err != nil || !bytes.Equal(again, sum) {
		return fmt.Errorf("register %s: %w", path, ErrBinaryChanged)
	}
	typ, sch, err := connectorType(info)
	if err != nil {
		return fmt.Errorf("register %s: %w", path, err)
	}
	e := newEntry(h, abs, sum, typ, sch)

	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	if prev, ok := h.byName[typ.Name]; ok {
		return &duplicateError{name: typ.Name, first: prev.path, second: abs}
	}
	h.byName[typ.Name] = e
	h.log.Info("connector type registered", "connector", typ.Name, "version", typ.Version, "path", abs)
	return nil
}

// maxDescribeOutput bounds what is read from --describe: metadata is small, a runaway binary
// must not fill the host's memory.
const maxDescribeOutput = 1 << 20

// describe runs `path --describe` with an empty environment and a timeout.
func (h *Host) describe(ctx context.Context, path string) (connector.Info, error) {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.StartTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--describe")
	cmd.Env = []string{}
	var stdout, stderr limitedBuffer
	stdout.max, stderr.max = maxDescribeOutput, 4096
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return connector.Info{}, fmt.Errorf("run --describe: %w (stderr: %q)", err, stderr.String())
	}
	var info connector.Info
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil {
		return connector.Info{}, fmt.Errorf("parse --describe output: %w", err)
	}
	return info, nil
}

type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room < len(p) {
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return 0, errors.New("output too large")
	}
	return b.Buffer.Write(p)
}

// connectorType checks a connector's metadata and converts it for the core.
func connectorType(info connector.Info) (domain.ConnectorType, *jsonschema.Schema, error) {
	if !namePattern.MatchString(info.Name) {
		return domain.ConnectorType{}, nil, fmt.Errorf("connector name %q does not match %s", info.Name, namePattern)
	}
	if info.Channel != connector.SMS && info.Channel != connector.Email {
		return domain.ConnectorType{}, nil, fmt.Errorf("connector %s: unknown channel %q", info.Name, info.Channel)
	}
	if info.TemplateKind != connector.TemplateProvider && info.TemplateKind != connector.TemplateContent {
		return domain.ConnectorType{}, nil, fmt.Errorf("connector %s: unknown template kind %q", info.Name, info.TemplateKind)
	}
	usages := make([]string, 0, len(info.Usages))
	for _, u := range info.Usages {
		if !domain.IsCanonicalUsage(string(u)) {
			return domain.ConnectorType{}, nil, fmt.Errorf("connector %s: unknown usage %q", info.Name, u)
		}
		usages = append(usages, string(u))
	}
	sch, err := compileSchema(info.Name, info.ConfigSchema)
	if err != nil {
		return domain.ConnectorType{}, nil, fmt.Errorf("connector %s: %w", info.Name, err)
	}
	return domain.ConnectorType{
		Name:         info.Name,
		DisplayName:  info.DisplayName,
		Version:      info.Version,
		Description:  info.Description,
		Channel:      string(info.Channel),
		ConfigSchema: slices.Clone([]byte(info.ConfigSchema)),
		Usages:       usages,
		TemplateKind: string(info.TemplateKind),
		Placeholders: slices.Clone(info.Placeholders),
		SecretFields: secretFields(info.ConfigSchema),
	}, sch, nil
}

func fileSHA256(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open binary: %w", err)
	}
	defer f.Close()
	hash := sha256.New()
	if _, err := io.Copy(hash, f); err != nil {
		return nil, fmt.Errorf("hash binary: %w", err)
	}
	return hash.Sum(nil), nil
}

func (h *Host) lookup(name string) (*entry, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.closed {
		return nil, unavailable("the connector host is shut down", ErrClosed)
	}
	e, ok := h.byName[name]
	if !ok {
		return nil, unknownType(name)
	}
	return e, nil
}

// ConnectorTypes implements ports.MessageSender.
func (h *Host) ConnectorTypes(context.Context) ([]domain.ConnectorType, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]domain.ConnectorType, 0, len(h.byName))
	for _, e := range h.byName {
		out = append(out, e.typ)
	}
	slices.SortFunc(out, func(a, b domain.ConnectorType) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out, nil
}

// Validate implements ports.MessageSender. The config is checked against the type's JSON
// Schema here, in the host, before the plugin sees it: schema errors are reported per field
// and cost no round trip.
func (h *Host) Validate(ctx context.Context, connectorType string, config []byte, verify bool) error {
	e, err := h.lookup(connectorType)
	if err != nil {
		return err
	}
	if fields := checkConfig(e.schema, config); len(fields) > 0 {
		redact := redactor(config, e.typ.SecretFields)
		for i := range fields {
			fields[i].Reason = redact(fields[i].Reason)
		}
		return &domain.Error{Kind: domain.KindInvalid, Code: domain.CodeConnectorInvalidConfig,
			Description: "The configuration does not match the connector type's schema.", Details: fields,
			Cause: &domain.ConnectorError{Kind: domain.ConnectorInvalidConfig}}
	}
	err = e.call(ctx, func(ctx context.Context, c connector.Connector) error {
		return c.Validate(ctx, connector.Config(config), verify)
	})
	return toDomain(err, redactor(config, e.typ.SecretFields))
}

// Send implements ports.MessageSender.
func (h *Host) Send(ctx context.Context, connectorType string, config []byte, msg domain.OutboundMessage) (domain.Delivery, error) {
	e, err := h.lookup(connectorType)
	if err != nil {
		return domain.Delivery{}, err
	}
	m := connector.Message{
		To:     msg.To,
		Usage:  connector.Usage(msg.Usage),
		Locale: msg.Locale,
		Template: connector.Template{
			ID:       msg.Template.ID,
			Params:   msg.Template.Params,
			Subject:  msg.Template.Subject,
			Body:     msg.Template.Body,
			HTMLBody: msg.Template.HTMLBody,
		},
		Variables: msg.Variables,
	}
	start := time.Now()
	var receipt connector.Receipt
	err = e.call(ctx, func(ctx context.Context, c connector.Connector) error {
		var err error
		receipt, err = c.Send(ctx, connector.Config(config), m)
		return err
	})
	if err != nil {
		return domain.Delivery{}, toDomain(err, redactor(config, e.typ.SecretFields))
	}
	return domain.Delivery{MessageID: receipt.MessageID, Latency: time.Since(start)}, nil
}

// Close kills every plugin process and waits for them to exit. Calls after Close fail with
// an unavailable error. Close is idempotent.
func (h *Host) Close() error {
	h.mu.Lock()
	h.closed = true
	entries := make([]*entry, 0, len(h.byName))
	for _, e := range h.byName {
		entries = append(entries, e)
	}
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, e := range entries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.close()
		}()
	}
	wg.Wait()
	return nil
}
