// Package servertest starts Gatehouse through its real wiring on a fresh database and drives it
// over HTTP like a client would. The same tests run on SQLite and on MySQL.
package servertest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/password"
	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/internal/testbin"
	"github.com/gatehouse-iam/gatehouse/server"
)

// AdminToken is the management token of every test server.
const AdminToken = "test-admin-token"

// CheapHasher is argon2id with minimal cost, so tests creating many users stay fast. Its hashes
// carry their parameters, so password.New().Verify checks them too.
var CheapHasher = &password.Argon2id{Params: password.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}}

// Server is a running test server.
type Server struct {
	t     testing.TB
	URL   string
	App   *server.App
	DB    *storage.DB
	Token string
	Logs  *LogBuffer
}

// Each runs fn against a fresh server on every dialect.
func Each(t *testing.T, fn func(t *testing.T, s *Server), opts ...func(*server.Config, *server.Overrides)) {
	t.Helper()
	for _, d := range storagetest.Dialects {
		t.Run(d, func(t *testing.T) { fn(t, Start(t, d, opts...)) })
	}
}

// Start wires a server on a fresh database of dialect and serves it on a loopback port.
func Start(tb testing.TB, dialect string, opts ...func(*server.Config, *server.Overrides)) *Server {
	tb.Helper()
	return StartOn(tb, storagetest.New(tb, dialect), opts...)
}

// StartBeside starts a second instance of s: another server on s's database and data
// directory (so the same master key), as instances behind one load balancer are.
func StartBeside(tb testing.TB, s *Server, opts ...func(*server.Config, *server.Overrides)) *Server {
	tb.Helper()
	dataDir := func(c *server.Config, _ *server.Overrides) { c.DataDir = s.App.Config.DataDir }
	return StartOn(tb, s.DB, append([]func(*server.Config, *server.Overrides){dataDir}, opts...)...)
}

// StartOn wires a server on db and serves it on a loopback port, logging from debug up to the
// Server's Logs.
func StartOn(tb testing.TB, db *storage.DB, opts ...func(*server.Config, *server.Overrides)) *Server {
	tb.Helper()
	logs := &LogBuffer{}
	s := StartOnWithLogger(tb, db, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), opts...)
	s.Logs = logs
	return s
}

// StartOnWithLogger is StartOn logging to logger, for benchmarks, which should not measure a
// test's log; the Server's Logs are nil.
func StartOnWithLogger(tb testing.TB, db *storage.DB, logger *slog.Logger, opts ...func(*server.Config, *server.Overrides)) *Server {
	tb.Helper()
	ts := httptest.NewUnstartedServer(nil)
	cfg, _, err := server.LoadConfig("servertest", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.PublicURL = "http://" + ts.Listener.Addr().String()
	cfg.AdminToken = AdminToken
	cfg.DataDir = tb.TempDir()
	cfg.PluginDir = PluginDir(tb)
	var ov server.Overrides
	for _, o := range opts {
		o(&cfg, &ov)
	}
	if ov.PasswordHasher == nil {
		ov.PasswordHasher = CheapHasher
	}
	app, err := server.Build(context.Background(), cfg, db, logger, ov)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = app.Close() })
	ts.Config.Handler = app.Engine
	ts.Start()
	tb.Cleanup(ts.Close)
	return &Server{t: tb, URL: ts.URL, App: app, DB: db, Token: AdminToken}
}

// Connectors are the connector plugins every test server runs.
var Connectors = []string{"mocksms", "mockemail"}

// PluginDir builds the test connectors (once per test binary) and returns a fresh directory
// holding copies of them, so a test may change or remove its binaries freely.
func PluginDir(tb testing.TB) string {
	tb.Helper()
	return PluginDirWith(tb, Connectors...)
}

// PluginDirWith is PluginDir with the named connectors (folders under connectors/).
func PluginDirWith(tb testing.TB, names ...string) string {
	tb.Helper()
	dir := tb.TempDir()
	for _, name := range names {
		data, err := os.ReadFile(testbin.Build(tb, "./connectors/"+name))
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// DataFile is the path of a file in the server's data directory, such as the default
// connectors' outboxes "outbox-sms.jsonl" and "outbox-email.jsonl".
func (s *Server) DataFile(name string) string { return filepath.Join(s.App.Config.DataDir, name) }

// Outbox reads the JSON lines a mock connector appended to path.
func Outbox(tb testing.TB, path string) []map[string]any {
	tb.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	var out []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			tb.Fatalf("outbox line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// BasicAuth is the Authorization header of a client authenticating with HTTP Basic as the
// OAuth endpoints read it: base64(url_encode(id) + ":" + url_encode(secret)).
func BasicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// Claims decodes a JWT's payload without verifying it (the server under test verified it).
func Claims(tb testing.TB, jwt string) map[string]any {
	tb.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		tb.Fatalf("not a JWT: %q", jwt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// Response is an HTTP answer with its body read.
type Response struct {
	t      testing.TB
	Status int
	Header http.Header
	Body   []byte
}

// Do sends body (nil, []byte as is, or anything else as JSON) with the admin token.
func (s *Server) Do(method, path string, body any) *Response {
	s.t.Helper()
	return s.DoWith(method, path, "Bearer "+s.Token, body)
}

// DoWith sends a request with the given Authorization header value ("" for none).
func (s *Server) DoWith(method, path, authorization string, body any) *Response {
	s.t.Helper()
	r, err := s.Send(method, path, authorization, body)
	if err != nil {
		s.t.Fatal(err)
	}
	return r
}

// Send is DoWith for goroutines a test starts: t.Fatal may only be called from the test's own
// goroutine, so a request that could not be sent or read comes back as an error. The
// Response's methods still end the test on a mismatch: use its fields in such a goroutine.
func (s *Server) Send(method, path, authorization string, body any) (*Response, error) {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("%s %s: body: %w", method, path, err)
		}
		r = bytes.NewReader(raw)
	}
	// The errors of NewRequest and Do name the method and URL already.
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		return nil, err
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	return &Response{t: s.t, Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// Expect fails the test unless the status is want; it returns the response for chaining.
func (r *Response) Expect(want int) *Response {
	r.t.Helper()
	if r.Status != want {
		r.t.Fatalf("status %d, want %d; body: %s", r.Status, want, r.Body)
	}
	return r
}

// Decode unmarshals the body into v.
func (r *Response) Decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Map is the body as a JSON object.
func (r *Response) Map() map[string]any {
	r.t.Helper()
	var m map[string]any
	r.Decode(&m)
	return m
}

// ErrorBody is the standard error body.
type ErrorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Details     []struct {
		Field  string `json:"field"`
		Reason string `json:"reason"`
	} `json:"details"`
}

// ExpectError checks the status, the error code and that each named field has a detail.
func (r *Response) ExpectError(status int, code string, fields ...string) ErrorBody {
	r.t.Helper()
	r.Expect(status)
	var e ErrorBody
	r.Decode(&e)
	if e.Error != code {
		r.t.Fatalf("error %q, want %q; body: %s", e.Error, code, r.Body)
	}
	var got []string
	for _, d := range e.Details {
		got = append(got, d.Field)
	}
	for _, f := range fields {
		if !slices.Contains(got, f) {
			r.t.Fatalf("no detail for field %q in %s", f, r.Body)
		}
	}
	return e
}

// LogBuffer collects log output safely across goroutines.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Clock is a settable clock for the server under test (server.Overrides.Clock).
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now tells the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// WithClock makes the server tell time by c.
func WithClock(c *Clock) func(*server.Config, *server.Overrides) {
	return func(_ *server.Config, ov *server.Overrides) { ov.Clock = c }
}

// WithCacheTTL sets how long an instance caches the configuration sign-ins read.
func WithCacheTTL(d time.Duration) func(*server.Config, *server.Overrides) {
	return func(c *server.Config, _ *server.Overrides) { c.CacheTTL = d }
}
