package host

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/internal/testbin"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
	"github.com/gatehouse-iam/gatehouse/plugins/internal/protocol"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

// logBuffer collects the host's slog output (plugin logs included) for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// await reports whether the logs come to hold text: a plugin's lines reach the host through
// its stderr, after the call that wrote them has answered.
func (b *logBuffer) await(text string) bool {
	deadline := time.Now().Add(10 * time.Second) // a guard against a hang, not a timing check
	for !strings.Contains(b.String(), text) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

type fixture struct {
	h    *Host
	dir  string
	logs *logBuffer
	box  string
}

// plugins names the binaries to put in the plugin directory: "mocksms", "mockemail".
// copyFiles copies instead of symlinking, for tests that modify the binary.
func newFixture(t *testing.T, cfg Config, copyFiles bool, plugins ...string) *fixture {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "plugins")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range plugins {
		src := testbin.Build(t, "./connectors/"+p)
		dst := filepath.Join(dir, p)
		if copyFiles {
			copyFile(t, src, dst)
		} else if err := os.Symlink(src, dst); err != nil {
			t.Fatal(err)
		}
	}
	logs := &logBuffer{}
	cfg.PluginDir = dir
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: levelTrace}))
	h, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return &fixture{h: h, dir: dir, logs: logs, box: filepath.Join(t.TempDir(), "outbox.jsonl")}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) config(extra string) []byte {
	cfg := fmt.Sprintf(`{"outbox":%q`, f.box)
	if extra != "" {
		cfg += "," + extra
	}
	return []byte(cfg + "}")
}

// started sends one message through mocksms so its plugin runs, and returns the plugin's entry
// and process id.
func (f *fixture) started(t *testing.T) (*entry, int) {
	t.Helper()
	if _, err := f.h.Send(context.Background(), "mocksms", f.config(""), smsMessage); err != nil {
		t.Fatal(err)
	}
	e, _ := f.h.lookup("mocksms")
	return e, e.pid()
}

var smsMessage = domain.OutboundMessage{
	To: "+15555550100", Usage: domain.UsageLogin, Locale: "en",
	Template:  domain.MessageTemplate{Usage: domain.UsageLogin, ID: "1001", Params: []string{"code", "ttl_minutes"}},
	Variables: map[string]string{"code": "123456", "ttl_minutes": "5"},
}

func wantDomainError(t *testing.T, err error, kind domain.Kind, code string) *domain.Error {
	t.Helper()
	de, ok := domain.AsError(err)
	if !ok {
		t.Fatalf("error = %v (%T), want *domain.Error", err, err)
	}
	if de.Kind != kind || de.Code != code {
		t.Fatalf("error = %v (kind %v, code %s), want kind %v code %s", err, de.Kind, de.Code, kind, code)
	}
	return de
}

func alive(pid int) bool { return pid > 0 && syscall.Kill(pid, 0) == nil }

func TestConnectorTypes(t *testing.T) {
	f := newFixture(t, Config{}, false, "mocksms", "mockemail")
	types, err := f.h.ConnectorTypes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(types) != 2 || types[0].Name != "mockemail" || types[1].Name != "mocksms" {
		t.Fatalf("types = %+v", types)
	}
	sms := types[1]
	if sms.Channel != domain.ChannelSMS || sms.TemplateKind != domain.TemplateKindProvider ||
		fmt.Sprint(sms.SecretFields) != "[api_key]" || len(sms.Usages) != len(domain.CanonicalUsages) ||
		!json.Valid(sms.ConfigSchema) || !sms.HasPlaceholder("code") {
		t.Errorf("mocksms type = %+v", sms)
	}
	if types[0].Channel != domain.ChannelEmail || types[0].TemplateKind != domain.TemplateKindContent {
		t.Errorf("mockemail type = %+v", types[0])
	}
}

func TestSendWritesOutbox(t *testing.T) {
	f := newFixture(t, Config{}, false, "mocksms")
	ctx := context.Background()
	d, err := f.h.Send(ctx, "mocksms", f.config(""), smsMessage)
	if err != nil {
		t.Fatal(err)
	}
	if d.MessageID == "" || d.Latency <= 0 {
		t.Errorf("delivery = %+v", d)
	}
	raw, err := os.ReadFile(f.box)
	if err != nil {
		t.Fatal(err)
	}
	var rec struct{ ID, To, Body string }
	if err := json.Unmarshal(bytes.TrimSpace(raw), &rec); err != nil {
		t.Fatalf("outbox %q: %v", raw, err)
	}
	if rec.ID != d.MessageID || rec.To != smsMessage.To || rec.Body != "[1001] code=123456 ttl_minutes=5" {
		t.Errorf("outbox record = %+v", rec)
	}
}

func TestValidate(t *testing.T) {
	f := newFixture(t, Config{}, false, "mocksms")
	ctx := context.Background()
	if err := f.h.Validate(ctx, "mocksms", f.config(""), true); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	tests := []struct {
		name, config string
		field        string
	}{
		{"schema: missing required", `{}`, "config"},
		{"schema: wrong type", `{"outbox":"discard","delay_ms":"slow"}`, "config.delay_ms"},
		{"schema: unknown property", `{"outbox":"discard","colour":"red"}`, "config"},
		{"schema: enum", `{"outbox":"discard","fail":"sometimes"}`, "config.fail"},
		{"schema: not JSON", `{outbox`, "config"},
		{"plugin: relative outbox", `{"outbox":"relative.jsonl"}`, "config.outbox"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.h.Validate(ctx, "mocksms", []byte(tt.config), false)
			de := wantDomainError(t, err, domain.KindInvalid, domain.CodeConnectorInvalidConfig)
			found := false
			for _, d := range de.Details {
				found = found || d.Field == tt.field
			}
			if !found {
				t.Errorf("details %+v do not name %s", de.Details, tt.field)
			}
		})
	}
	err := f.h.Validate(ctx, "nosuch", f.config(""), false)
	wantDomainError(t, err, domain.KindNotFound, domain.CodeUnknownConnectorType)
	_, err = f.h.Send(ctx, "nosuch", f.config(""), smsMessage)
	wantDomainError(t, err, domain.KindNotFound, domain.CodeUnknownConnectorType)
}

func TestErrorMapping(t *testing.T) {
	f := newFixture(t, Config{}, false, "mocksms")
	ctx := context.Background()
	tests := []struct {
		failKind string
		kind     domain.Kind
		code     string
	}{
		{"invalid_config", domain.KindInvalid, domain.CodeConnectorInvalidConfig},
		{"invalid_recipient", domain.KindInvalid, domain.CodeConnectorInvalidRecipient},
		{"rate_limited", domain.KindRateLimited, domain.CodeConnectorRateLimited},
		{"quota_exceeded", domain.KindUnavailable, domain.CodeConnectorQuotaExceeded},
		{"rejected", domain.KindUnavailable, domain.CodeConnectorRejected},
		{"unavailable", domain.KindUnavailable, domain.CodeConnectorUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.failKind, func(t *testing.T) {
			cfg := f.config(fmt.Sprintf(`"fail":"always","fail_kind":%q,"fail_retry_after_seconds":42`, tt.failKind))
			_, err := f.h.Send(ctx, "mocksms", cfg, smsMessage)
			de := wantDomainError(t, err, tt.kind, tt.code)
			var ce *domain.ConnectorError
			if !errors.As(err, &ce) || ce.Kind != tt.failKind || ce.ProviderCode != "Mock.RequestedFailure" {
				t.Errorf("ConnectorError = %+v", ce)
			}
			if !strings.Contains(de.Description, "Mock.RequestedFailure") {
				t.Errorf("description %q lacks the provider code", de.Description)
			}
			if tt.failKind == "rate_limited" && (de.RetryAfter != 42*time.Second || ce.RetryAfter != 42*time.Second) {
				t.Errorf("RetryAfter = %s / %s, want 42s", de.RetryAfter, ce.RetryAfter)
			}
			if tt.failKind == "invalid_config" && (len(de.Details) != 1 || de.Details[0].Field != "config.fail_kind") {
				t.Errorf("details = %+v, want config.fail_kind", de.Details)
			}
		})
	}
}

// A plugin process runs Go code on as many threads as Config.MaxProcs says, and on Go's
// default when it says nothing.
func TestPluginMaxProcs(t *testing.T) {
	for _, tc := range []struct {
		maxProcs int
		want     string // the GOMAXPROCS entry of the plugin's environment
	}{{1, "GOMAXPROCS=1"}, {0, ""}} {
		f := newFixture(t, Config{MaxProcs: tc.maxProcs}, false, "mocksms")
		_, pid := f.started(t)
		environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil {
			t.Skipf("no /proc here: %v", err)
		}
		got := ""
		for _, kv := range strings.Split(string(environ), "\x00") {
			if strings.HasPrefix(kv, "GOMAXPROCS=") {
				got = kv
			}
		}
		if got != tc.want {
			t.Errorf("MaxProcs %d: the plugin's environment has %q, want %q", tc.maxProcs, got, tc.want)
		}
	}
}

func TestCrashDuringSendRelaunches(t *testing.T) {
	f := newFixture(t, Config{CallTimeout: 5 * time.Second}, false, "mocksms")
	ctx := context.Background()
	e, pid := f.started(t)
	if !alive(pid) {
		t.Fatalf("plugin pid %d not alive", pid)
	}

	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := f.h.Send(ctx, "mocksms", f.config(`"delay_ms":60000`), smsMessage)
		done <- err
	}()
	time.Sleep(100 * time.Millisecond) // let the send reach the plugin; the assertions hold either way
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("send hung after the plugin was killed")
	}
	if took := time.Since(start); took >= 5*time.Second {
		t.Errorf("send returned after %s, not before the 5s call deadline: the crash was not noticed", took)
	}
	wantDomainError(t, err, domain.KindUnavailable, domain.CodeConnectorUnavailable)

	d, err := f.h.Send(ctx, "mocksms", f.config(""), smsMessage)
	if err != nil {
		t.Fatalf("send after crash: %v", err)
	}
	if d.MessageID == "" {
		t.Fatal("no message id after relaunch")
	}
	if newPID := e.pid(); newPID == pid || !alive(newPID) {
		t.Errorf("plugin not relaunched: pid %d -> %d", pid, newPID)
	}
	if !strings.Contains(f.logs.String(), "connector plugin stopped answering") && !strings.Contains(f.logs.String(), "connector plugin exited") {
		t.Errorf("crash not logged:\n%s", f.logs.String())
	}
}

func TestChangedBinaryRefused(t *testing.T) {
	f := newFixture(t, Config{}, true, "mocksms")
	bin := filepath.Join(f.dir, "mocksms")
	fh, err := os.OpenFile(bin, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fh.Write([]byte("tampered")); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	_, err = f.h.Send(context.Background(), "mocksms", f.config(""), smsMessage)
	wantDomainError(t, err, domain.KindUnavailable, domain.CodeConnectorUnavailable)
	if !errors.Is(err, ErrBinaryChanged) {
		t.Fatalf("error %v is not ErrBinaryChanged", err)
	}
	// Still refused, with the same cause, while the host backs off.
	for range 3 {
		_, err = f.h.Send(context.Background(), "mocksms", f.config(""), smsMessage)
		if !errors.Is(err, ErrBinaryChanged) {
			t.Fatalf("later call: %v is not ErrBinaryChanged", err)
		}
	}
	if _, statErr := os.Stat(f.box); statErr == nil {
		t.Error("the changed binary ran: the outbox exists")
	}
}

func TestPanicIsTypedAndProcessSurvives(t *testing.T) {
	f := newFixture(t, Config{}, false, "mocksms")
	ctx := context.Background()
	e, pid := f.started(t)
	_, err := f.h.Send(ctx, "mocksms", f.config(`"panic":true`), smsMessage)
	de := wantDomainError(t, err, domain.KindUnavailable, domain.CodeConnectorUnavailable)
	if !strings.Contains(de.Description, "panicked") {
		t.Errorf("description %q does not say it panicked", de.Description)
	}
	if !alive(pid) || e.pid() != pid {
		t.Fatalf("plugin process did not survive the panic (pid %d, now %d)", pid, e.pid())
	}
	if _, err := f.h.Send(ctx, "mocksms", f.config(""), smsMessage); err != nil {
		t.Fatalf("send after panic: %v", err)
	}
	if !f.logs.await("connector panic recovered") {
		t.Errorf("panic not logged by the plugin")
	}
}

func TestHangingConnectorHitsDeadline(t *testing.T) {
	const callTimeout = 300 * time.Millisecond
	f := newFixture(t, Config{CallTimeout: callTimeout}, false, "mocksms")
	ctx := context.Background()
	e, pid := f.started(t)

	start := time.Now()
	_, err := f.h.Send(ctx, "mocksms", f.config(`"delay_ms":60000`), smsMessage)
	took := time.Since(start)
	wantDomainError(t, err, domain.KindUnavailable, domain.CodeConnectorUnavailable)
	if took > callTimeout+3*time.Second {
		t.Errorf("hanging send took %s with a %s call deadline", took, callTimeout)
	}

	// The caller's own, sooner deadline wins over the host's.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = f.h.Send(short, "mocksms", f.config(`"delay_ms":60000`), smsMessage)
	wantDomainError(t, err, domain.KindUnavailable, domain.CodeConnectorUnavailable)
	if took := time.Since(start); took >= callTimeout {
		t.Errorf("send with a 50ms context took %s, the caller's deadline was ignored", took)
	}

	if e.pid() != pid || !alive(pid) {
		t.Errorf("a slow connector must not be relaunched (pid %d -> %d)", pid, e.pid())
	}
	if _, err := f.h.Send(ctx, "mocksms", f.config(""), smsMessage); err != nil {
		t.Fatalf("send after timeout: %v", err)
	}
}

func TestCloseKillsEveryPlugin(t *testing.T) {
	f := newFixture(t, Config{}, false, "mocksms", "mockemail")
	ctx := context.Background()
	if _, err := f.h.Send(ctx, "mocksms", f.config(""), smsMessage); err != nil {
		t.Fatal(err)
	}
	emailMsg := domain.OutboundMessage{To: "a@example.com", Usage: "login",
		Template: domain.MessageTemplate{Subject: "Code", Body: "{{.code}}"}, Variables: map[string]string{"code": "1"}}
	if _, err := f.h.Send(ctx, "mockemail", f.config(""), emailMsg); err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, name := range []string{"mocksms", "mockemail"} {
		e, _ := f.h.lookup(name)
		if !alive(e.pid()) {
			t.Fatalf("%s not running", name)
		}
		pids = append(pids, e.pid())
	}
	if err := f.h.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("plugin pid %d still exists after Close (kill 0: %v)", pid, err)
		}
	}
	_, err := f.h.Send(ctx, "mocksms", f.config(""), smsMessage)
	wantDomainError(t, err, domain.KindUnavailable, domain.CodeConnectorUnavailable)
	if err := f.h.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestNoSecretInLogsOrErrors(t *testing.T) {
	const secret = "SECRET-XYZ"
	f := newFixture(t, Config{CallTimeout: 2 * time.Second}, false, "mocksms")
	ctx := context.Background()
	key := `"api_key":"` + secret + `"`
	var errs []error
	collect := func(_ domain.Delivery, err error) { errs = append(errs, err) }
	collect(f.h.Send(ctx, "mocksms", f.config(key), smsMessage))
	collect(f.h.Send(ctx, "mocksms", f.config(key+`,"fail":"always","fail_kind":"rejected"`), smsMessage))
	collect(f.h.Send(ctx, "mocksms", f.config(key+`,"panic":true`), smsMessage))
	collect(f.h.Send(ctx, "mocksms", f.config(key+`,"delay_ms":"x"`), smsMessage))
	errs = append(errs,
		f.h.Validate(ctx, "mocksms", f.config(key), true),
		f.h.Validate(ctx, "mocksms", []byte(`{"outbox":5,`+key+`}`), false),
		f.h.Validate(ctx, "mocksms", []byte(`{"outbox":"rel",`+key+`}`), false),
	)
	if errs[0] != nil || errs[4] != nil {
		t.Fatalf("valid calls failed: %v / %v", errs[0], errs[4])
	}
	for i, err := range errs {
		if i == 0 || i == 4 {
			continue
		}
		if err == nil {
			t.Errorf("call %d should have failed", i)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v", err), secret) {
			t.Errorf("error leaks the secret: %v", err)
		}
	}
	f.logs.await("connector panic recovered") // the plugin's lines, which the checks below read
	logs := f.logs.String()
	if strings.Contains(logs, secret) {
		t.Errorf("logs leak the secret:\n%s", logs)
	}
	if strings.Contains(logs, "123456") {
		t.Errorf("logs leak the verification code")
	}
	// The logs must hold the plugin's own lines with the connector attribute, or the check
	// above proves nothing.
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var pluginLines int
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) == nil && line["connector"] == "mocksms" && line["msg"] == "connector panic recovered" {
			pluginLines++
		}
	}
	if pluginLines == 0 {
		t.Errorf("no plugin log line with connector=mocksms was forwarded:\n%s", logs)
	}
}

func TestRedactsSecretsFromConnectorErrors(t *testing.T) {
	cfg := []byte(`{"api_key":"SECRET-XYZ","region":"ap"}`)
	err := &connector.Error{Kind: connector.KindInvalidConfig, Message: "key SECRET-XYZ refused",
		ProviderCode: "Auth.SECRET-XYZ", Fields: []connector.FieldError{{Field: "api_key", Reason: "SECRET-XYZ is wrong"}}}
	got := toDomain(err, redactor(cfg, []string{"api_key"}))
	if s := fmt.Sprintf("%v %+v", got, got); strings.Contains(s, "SECRET-XYZ") {
		t.Fatalf("redaction failed: %s", s)
	}
	de, _ := domain.AsError(got)
	if de.Details[0].Field != "config.api_key" || !strings.Contains(de.Description, "[redacted]") {
		t.Errorf("converted error = %+v", de)
	}
}

// writeScript puts a shell-script "connector" that describes itself but fails every launch.
func writeScript(t *testing.T, dir, name, info string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	script := "#!/bin/sh\nif [ \"$1\" = --describe ]; then\ncat <<'EOF'\n" + info + "\nEOF\nexit 0\nfi\nexit 3\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

const brokenInfo = `{"name":"broken","display_name":"Broken","version":"1","channel":"sms","config_schema":{"type":"object","properties":{}},"usages":["login"],"template_kind":"provider","placeholders":["code"]}`

func TestRelaunchBackoff(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, dir, "broken", brokenInfo)
	h, err := New(context.Background(), Config{PluginDir: dir, StartTimeout: 5 * time.Second, BackoffMin: time.Hour,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx := context.Background()
	// First and second launch are attempted and fail; then the host waits (backoff) and
	// answers at once with a retry-after instead of launching again.
	for i := 0; i < 2; i++ {
		err := h.Validate(ctx, "broken", []byte(`{}`), false)
		de := wantDomainError(t, err, domain.KindUnavailable, domain.CodeConnectorUnavailable)
		if de.RetryAfter != 0 {
			t.Fatalf("attempt %d: RetryAfter %s, want a launch attempt", i+1, de.RetryAfter)
		}
	}
	err = h.Validate(ctx, "broken", []byte(`{}`), false)
	de := wantDomainError(t, err, domain.KindUnavailable, domain.CodeConnectorUnavailable)
	if de.RetryAfter <= 0 || de.RetryAfter > time.Hour {
		t.Fatalf("third attempt RetryAfter = %s, want within the 1h backoff", de.RetryAfter)
	}
	e, _ := h.lookup("broken")
	if e.launches != 0 {
		t.Errorf("launches = %d", e.launches)
	}
}

func TestBackoffSchedule(t *testing.T) {
	e := &entry{host: &Host{cfg: Config{BackoffMin: 100 * time.Millisecond, BackoffMax: time.Second}}}
	want := []time.Duration{0, 0, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second}
	for n, w := range want {
		if got := e.backoff(n); got != w {
			t.Errorf("backoff(%d) = %s, want %s", n, got, w)
		}
	}
}

func TestNewDirectoryHandling(t *testing.T) {
	t.Run("skips what is not a connector", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "README"), []byte("not executable"), 0o644)
		os.WriteFile(filepath.Join(dir, "garbage"), []byte("#!/bin/sh\necho nope\n"), 0o755)
		writeScript(t, dir, "badname", strings.Replace(brokenInfo, `"broken"`, `"Bad-Name"`, 1))
		os.Symlink(testbin.Build(t, "./connectors/mocksms"), filepath.Join(dir, "mocksms"))
		logs := &logBuffer{}
		h, err := New(context.Background(), Config{PluginDir: dir, Logger: slog.New(slog.NewTextHandler(logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		types, _ := h.ConnectorTypes(context.Background())
		if len(types) != 1 || types[0].Name != "mocksms" {
			t.Errorf("types = %+v", types)
		}
		if n := strings.Count(logs.String(), "not a working connector"); n != 2 {
			t.Errorf("%d skip warnings, want 2 (garbage, badname):\n%s", n, logs.String())
		}
	})
	t.Run("duplicate type is an error", func(t *testing.T) {
		dir := t.TempDir()
		src := testbin.Build(t, "./connectors/mocksms")
		os.Symlink(src, filepath.Join(dir, "a"))
		os.Symlink(src, filepath.Join(dir, "b"))
		if _, err := New(context.Background(), Config{PluginDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err == nil {
			t.Fatal("New accepted two binaries of the same type")
		}
	})
	t.Run("missing directory means no types", func(t *testing.T) {
		h, err := New(context.Background(), Config{PluginDir: filepath.Join(t.TempDir(), "none"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		types, _ := h.ConnectorTypes(context.Background())
		if len(types) != 0 {
			t.Errorf("types = %+v", types)
		}
	})
}

func TestConcurrentSendsShareOneProcess(t *testing.T) {
	f := newFixture(t, Config{}, false, "mocksms")
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.h.Send(ctx, "mocksms", f.config(""), smsMessage)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	e, _ := f.h.lookup("mocksms")
	if e.launches != 1 {
		t.Errorf("launches = %d, want one process for all calls", e.launches)
	}
	raw, _ := os.ReadFile(f.box)
	if n := bytes.Count(raw, []byte("\n")); n != 64 {
		t.Errorf("outbox has %d lines, want 64", n)
	}
}

// A stop signal sent to the whole process group or service reaches the plugins too. They leave
// their lifetime to the host, which stops them once it has finished its requests: the plugin
// keeps serving, and is not relaunched.
func TestStopSignalsLeaveThePluginToTheHost(t *testing.T) {
	f := newFixture(t, Config{CallTimeout: 5 * time.Second}, false, "mocksms")
	ctx := context.Background()
	e, pid := f.started(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		if err := syscall.Kill(pid, sig); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond) // a plugin that obeyed would be gone by now
	if _, err := f.h.Send(ctx, "mocksms", f.config(""), smsMessage); err != nil {
		t.Fatalf("send after the stop signals: %v", err)
	}
	if e.pid() != pid || !alive(pid) {
		t.Fatalf("the plugin did not outlive the stop signals (pid %d, now %d)", pid, e.pid())
	}
	f.h.Close()
	if alive(pid) {
		t.Error("Close left the plugin running")
	}
}

// A plugin whose host dies while it serves, without stopping it, exits on its own: the watch
// it keeps after start-up notices, not only the check before the handshake.
func TestOrphanedPluginExits(t *testing.T) {
	bin := testbin.Build(t, "./connectors/mocksms")
	// The shell stands for a host: it starts the plugin as the host does, naming itself as the
	// host, prints the plugin's pid and lives until its stdin closes. The plugin shares its
	// stdout, where go-plugin's handshake line shows that the plugin passed its start-up check.
	sh := exec.Command("sh", "-c", protocol.HostPIDEnv+`=$$ "$0" 2>/dev/null & echo $!; read _ || true`, bin)
	sh.Env = append(os.Environ(), protocol.Handshake.MagicCookieKey+"="+protocol.Handshake.MagicCookieValue)
	stdin, err := sh.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sh.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sh.Process.Kill(); _ = sh.Wait() })
	// The pid and the handshake come in either order: the plugin may write before the shell.
	pid, handshake := 0, ""
	lines := bufio.NewScanner(stdout)
	for (pid == 0 || handshake == "") && lines.Scan() {
		if n, err := strconv.Atoi(lines.Text()); err == nil {
			pid = n
			t.Cleanup(func() { _ = syscall.Kill(n, syscall.SIGKILL) })
		} else {
			handshake = lines.Text()
		}
	}
	if pid == 0 || !strings.Contains(handshake, "|") {
		t.Fatalf("pid %d, handshake %q (%v): the plugin did not start serving", pid, handshake, lines.Err())
	}
	if err := stdin.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sh.Wait(); err != nil {
		t.Fatalf("the host shell: %v", err)
	}
	// The deadline only keeps a plugin that never exits from hanging the test.
	for deadline := time.Now().Add(10 * time.Second); running(pid); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the orphaned plugin (pid %d) is still running", pid)
		}
	}
}

// running reports whether process pid exists and has not exited. An orphan that exited stays a
// zombie until its new parent reaps it, which a container's init may never do.
func running(pid int) bool {
	if !alive(pid) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	// The state follows the command name, which is in parentheses and may hold any byte.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(fields) == 0 || fields[0] != "Z"
}

// A plugin whose named host is not its parent when it starts has lost its host already: it
// exits before the handshake, without serving.
func TestPluginWhoseHostIsAlreadyGoneExitsAtOnce(t *testing.T) {
	bin := testbin.Build(t, "./connectors/mocksms")
	// The deadline only keeps a plugin that wrongly serves from hanging the test.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = []string{
		protocol.Handshake.MagicCookieKey + "=" + protocol.Handshake.MagicCookieValue,
		protocol.HostPIDEnv + "=" + strconv.Itoa(os.Getppid()), // alive, but not the plugin's parent
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		t.Fatalf("the plugin kept running; stdout %q", out)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want exit code 1; stderr %s", err, stderr.String())
	}
	if len(out) != 0 {
		t.Errorf("the plugin wrote the handshake %q before exiting", out)
	}
	if !strings.Contains(stderr.String(), "the host is gone") {
		t.Errorf("stderr does not say why the plugin exited: %s", stderr.String())
	}
}

// The host names itself to the plugins it starts, so they can tell when it is gone.
func TestHostPassesItsPIDToThePlugin(t *testing.T) {
	f := newFixture(t, Config{}, false, "mocksms")
	_, pid := f.started(t)
	environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("no /proc to read the plugin's environment from")
	}
	if err != nil {
		t.Fatal(err)
	}
	want := protocol.HostPIDEnv + "=" + strconv.Itoa(os.Getpid())
	for _, kv := range strings.Split(string(environ), "\x00") {
		if kv == want {
			return
		}
	}
	t.Errorf("the plugin's environment lacks %s", want)
}
