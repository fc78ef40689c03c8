package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/connectors/internal/clientcache"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

const (
	testUser = "noreply@example.com"
	testPass = "app-password-123"
	testCode = "482913"
)

func config(t *testing.T, mode string, port int, ca testCA, mutate ...func(map[string]any)) connector.Config {
	t.Helper()
	m := map[string]any{
		"host":               "127.0.0.1",
		"port":               port,
		"security":           mode,
		"username":           testUser,
		"password":           testPass,
		"from":               "Gatehouse <noreply@example.com>",
		"reply_to":           "support@example.com",
		"connect_timeout_ms": 3000,
		"send_timeout_ms":    3000,
	}
	if mode != SecurityNone {
		m["root_ca_pem"] = ca.pem
	}
	for _, f := range mutate {
		f(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return connector.Config(b)
}

func message() connector.Message {
	return connector.Message{
		To:    "alice@example.com",
		Usage: connector.UsageLogin,
		Template: connector.Template{
			Subject:  "{{.app_name}} sign-in code",
			Body:     "Your code is {{.code}}. It expires in {{.ttl_minutes}} minutes.",
			HTMLBody: "<p>Hello {{.username}}, your code is <b>{{.code}}</b>.</p>",
		},
		Variables: map[string]string{
			"code": testCode, "ttl_seconds": "300", "ttl_minutes": "5", "username": "alice", "app_name": "Demo",
		},
	}
}

func kindOf(t *testing.T, err error) *connector.Error {
	t.Helper()
	var e *connector.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *connector.Error", err, err)
	}
	return e
}

func TestDescribe(t *testing.T) {
	info := New().Describe()
	if info.Name != "smtp" || info.Channel != connector.Email || info.TemplateKind != connector.TemplateContent {
		t.Fatalf("info = %+v", info)
	}
	if !reflect.DeepEqual(info.Usages, connector.Usages) {
		t.Fatal("usages")
	}
	var schema struct {
		Properties map[string]struct {
			WriteOnly bool `json:"writeOnly"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(info.ConfigSchema, &schema); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"preset", "host", "port", "security", "username", "password", "from", "reply_to", "connect_timeout_ms", "send_timeout_ms", "root_ca_pem", "tls_server_name"} {
		p, ok := schema.Properties[f]
		if !ok {
			t.Fatalf("schema lacks %s", f)
		}
		if p.WriteOnly != (f == "password") {
			t.Errorf("%s writeOnly = %v", f, p.WriteOnly)
		}
	}
}

func TestSendInEverySecurityMode(t *testing.T) {
	ca := newTestCA(t)
	for _, mode := range []string{SecuritySSL, SecuritySTARTTLS, SecurityNone} {
		t.Run(mode, func(t *testing.T) {
			b := &backend{user: testUser, pass: testPass}
			port := startServer(t, mode, ca, b)
			rc, err := New().Send(context.Background(), config(t, mode, port, ca), message())
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			msgs := b.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server received %d messages", len(msgs))
			}
			got := msgs[0]
			if got.from != testUser || !reflect.DeepEqual(got.to, []string{"alice@example.com"}) {
				t.Fatalf("envelope from=%q to=%v", got.from, got.to)
			}
			if got.tls != (mode != SecurityNone) {
				t.Fatalf("TLS = %v in mode %s", got.tls, mode)
			}
			if wantHS := map[string]int32{SecuritySSL: 1, SecuritySTARTTLS: 1, SecurityNone: 0}[mode]; b.handshakes.Load() != wantHS {
				t.Fatalf("%d TLS handshakes, want %d", b.handshakes.Load(), wantHS)
			}
			p := parse(t, got.data)
			if p.header.Get("Subject") != "Demo sign-in code" {
				t.Fatalf("subject %q", p.header.Get("Subject"))
			}
			if p.header.Get("Message-Id") != rc.MessageID || !strings.HasSuffix(rc.MessageID, "@example.com>") {
				t.Fatalf("Message-ID header %q, receipt %q", p.header.Get("Message-Id"), rc.MessageID)
			}
			if p.header.Get("Reply-To") != "<support@example.com>" {
				t.Fatalf("Reply-To %q", p.header.Get("Reply-To"))
			}
			if !strings.Contains(p.text, "Your code is "+testCode+". It expires in 5 minutes.") {
				t.Fatalf("text body %q", p.text)
			}
			if !strings.Contains(p.html, "<b>"+testCode+"</b>") {
				t.Fatalf("html body %q", p.html)
			}
		})
	}
}

func TestHTMLBodyEscapesVariables(t *testing.T) {
	ca := newTestCA(t)
	b := &backend{user: testUser, pass: testPass}
	port := startServer(t, SecuritySSL, ca, b)
	msg := message()
	msg.Variables["username"] = `<script>alert("x")</script>`
	if _, err := New().Send(context.Background(), config(t, SecuritySSL, port, ca), msg); err != nil {
		t.Fatal(err)
	}
	p := parse(t, b.Messages()[0].data)
	if strings.Contains(p.html, "<script>") || !strings.Contains(p.html, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Fatalf("html body not escaped: %q", p.html)
	}
}

func TestConnectionReusedForSequentialSends(t *testing.T) {
	ca := newTestCA(t)
	for _, mode := range []string{SecuritySSL, SecuritySTARTTLS} {
		t.Run(mode, func(t *testing.T) {
			b := &backend{user: testUser, pass: testPass}
			port := startServer(t, mode, ca, b)
			s := New()
			cfg := config(t, mode, port, ca)
			for range 3 {
				if _, err := s.Send(context.Background(), cfg, message()); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(b.Messages()); n != 3 {
				t.Fatalf("%d messages", n)
			}
			if c, h, l := b.conns.Load(), b.handshakes.Load(), b.logins.Load(); c != 1 || h != 1 || l != 1 {
				t.Fatalf("connections=%d handshakes=%d logins=%d, want 1 each", c, h, l)
			}
		})
	}
}

// Idle sessions closed by the server (its idle timeout, say): the dead one a send picks is
// replaced by a newly dialled session, not by another idle one that may be dead as well.
func TestReconnectsWhenIdleConnectionsDied(t *testing.T) {
	for _, idle := range []int{1, 2} {
		t.Run(fmt.Sprintf("idle=%d", idle), func(t *testing.T) {
			ca := newTestCA(t)
			b := &backend{user: testUser, pass: testPass}
			port := startServer(t, SecuritySSL, ca, b)
			s := New()
			cfg := config(t, SecuritySSL, port, ca)
			if _, err := s.Send(context.Background(), cfg, message()); err != nil {
				t.Fatal(err)
			}
			p := poolFor(t, s, cfg)
			for range idle - 1 { // more sessions, as concurrent sends leave them
				c, err := p.dial(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				p.put(c)
			}
			// Kill the idle sessions behind the pool's back.
			p.mu.Lock()
			if len(p.idle) != idle {
				p.mu.Unlock()
				t.Fatalf("%d idle sessions, want %d", len(p.idle), idle)
			}
			for _, c := range p.idle {
				c.raw.Close()
			}
			p.mu.Unlock()
			if _, err := s.Send(context.Background(), cfg, message()); err != nil {
				t.Fatalf("send after the connections died: %v", err)
			}
			if n, c := len(b.Messages()), b.conns.Load(); n != 2 || c != int32(idle+1) {
				t.Fatalf("messages=%d connections=%d, want 2 and %d", n, c, idle+1)
			}
		})
	}
}

func poolFor(t *testing.T, s *SMTP, raw connector.Config) *pool {
	t.Helper()
	cfg, err := decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := clientcache.Key(cfg.Config)
	p, ok := s.pools.Peek(key)
	if !ok {
		t.Fatal("no pool for config")
	}
	return p
}

func TestWrongPasswordIsInvalidConfig(t *testing.T) {
	ca := newTestCA(t)
	for _, mode := range []string{SecuritySSL, SecurityNone} {
		b := &backend{user: testUser, pass: testPass}
		port := startServer(t, mode, ca, b)
		cfg := config(t, mode, port, ca, func(m map[string]any) { m["password"] = "wrong-password" })
		_, err := New().Send(context.Background(), cfg, message())
		e := kindOf(t, err)
		if e.Kind != connector.KindInvalidConfig || !strings.HasPrefix(e.ProviderCode, "535") {
			t.Fatalf("%s: got %v (code %q), want invalid_config 535", mode, err, e.ProviderCode)
		}
		if strings.Contains(err.Error(), "wrong-password") {
			t.Fatal("error leaks the password")
		}
		if e := kindOf(t, New().Validate(context.Background(), cfg, true)); e.Kind != connector.KindInvalidConfig {
			t.Fatalf("verify: %v", e)
		}
		if len(b.Messages()) != 0 {
			t.Fatal("a message went through")
		}
	}
}

func TestRefusedRecipientIsInvalidRecipient(t *testing.T) {
	ca := newTestCA(t)
	b := &backend{user: testUser, pass: testPass, refuse: map[string]bool{"bob@example.com": true}}
	port := startServer(t, SecuritySTARTTLS, ca, b)
	s := New()
	cfg := config(t, SecuritySTARTTLS, port, ca)
	msg := message()
	msg.To = "bob@example.com"
	_, err := s.Send(context.Background(), cfg, msg)
	e := kindOf(t, err)
	if e.Kind != connector.KindInvalidRecipient || e.ProviderCode != "550 5.1.1" {
		t.Fatalf("got %v (code %q)", err, e.ProviderCode)
	}
	if strings.Contains(err.Error(), "bob@example.com") {
		t.Fatalf("error names the full address: %v", err)
	}
	if _, err := s.Send(context.Background(), cfg, message()); err != nil {
		t.Fatalf("next send: %v", err)
	}
}

func TestSilentServerIsUnavailableWithinTheDeadline(t *testing.T) {
	port := startSilentServer(t)
	ca := newTestCA(t)
	for name, tc := range map[string]struct {
		ctxTimeout time.Duration
		mutate     func(map[string]any)
	}{
		"call deadline":   {300 * time.Millisecond, func(m map[string]any) { m["connect_timeout_ms"] = 60000; m["send_timeout_ms"] = 60000 }},
		"connect timeout": {0, func(m map[string]any) { m["connect_timeout_ms"] = 300; m["send_timeout_ms"] = 60000 }},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if tc.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxTimeout)
				defer cancel()
			}
			start := time.Now()
			_, err := New().Send(ctx, config(t, SecurityNone, port, ca, tc.mutate), message())
			if e := kindOf(t, err); e.Kind != connector.KindUnavailable {
				t.Fatalf("got %v, want unavailable", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

func TestStallOnDataIsUnavailableWithinTheDeadline(t *testing.T) {
	ca := newTestCA(t)
	b := &backend{user: testUser, pass: testPass, stallData: make(chan struct{})}
	port := startServer(t, SecuritySSL, ca, b)
	cfg := config(t, SecuritySSL, port, ca, func(m map[string]any) { m["send_timeout_ms"] = 60000 })
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := New().Send(ctx, cfg, message())
	if e := kindOf(t, err); e.Kind != connector.KindUnavailable {
		t.Fatalf("got %v, want unavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestVerifyAuthenticatesWithoutSending(t *testing.T) {
	ca := newTestCA(t)
	for _, mode := range []string{SecuritySSL, SecuritySTARTTLS, SecurityNone} {
		b := &backend{user: testUser, pass: testPass}
		port := startServer(t, mode, ca, b)
		s := New()
		if err := s.Validate(context.Background(), config(t, mode, port, ca), false); err != nil {
			t.Fatal(err)
		}
		if b.conns.Load() != 0 {
			t.Fatal("verify=false connected")
		}
		if err := s.Validate(context.Background(), config(t, mode, port, ca), true); err != nil {
			t.Fatalf("%s: verify: %v", mode, err)
		}
		if b.logins.Load() != 1 || len(b.Messages()) != 0 {
			t.Fatalf("%s: logins=%d messages=%d", mode, b.logins.Load(), len(b.Messages()))
		}
		if mode != SecurityNone && b.handshakes.Load() != 1 {
			t.Fatalf("%s: %d TLS handshakes", mode, b.handshakes.Load())
		}
	}
}

func TestUntrustedCertificateIsInvalidConfig(t *testing.T) {
	ca := newTestCA(t)
	b := &backend{user: testUser, pass: testPass}
	port := startServer(t, SecuritySSL, ca, b)
	other := newTestCA(t)
	for name, mutate := range map[string]func(map[string]any){
		"system roots": func(m map[string]any) { delete(m, "root_ca_pem") },
		"other CA":     func(m map[string]any) { m["root_ca_pem"] = other.pem },
		"wrong name":   func(m map[string]any) { m["tls_server_name"] = "smtp.example.com" },
	} {
		err := New().Validate(context.Background(), config(t, SecuritySSL, port, ca, mutate), true)
		if e := kindOf(t, err); e.Kind != connector.KindInvalidConfig {
			t.Fatalf("%s: got %v", name, err)
		}
	}
}

func TestValidateRefusesBadConfig(t *testing.T) {
	ca := newTestCA(t)
	cases := map[string]struct {
		mutate func(map[string]any)
		field  string
	}{
		"none to remote host": {func(m map[string]any) {
			m["host"] = "smtp.example.com"
			m["security"] = "none"
			delete(m, "root_ca_pem")
		}, "security"},
		"none to LAN address": {func(m map[string]any) { m["host"] = "10.0.0.5"; m["security"] = "none"; delete(m, "root_ca_pem") }, "security"},
		"no security":         {func(m map[string]any) { delete(m, "security") }, "security"},
		"bad security":        {func(m map[string]any) { m["security"] = "tls" }, "security"},
		"no host":             {func(m map[string]any) { delete(m, "host") }, "host"},
		"host with port":      {func(m map[string]any) { m["host"] = "smtp.example.com:465" }, "host"},
		"bad port":            {func(m map[string]any) { m["port"] = 70000 }, "port"},
		"no from":             {func(m map[string]any) { delete(m, "from") }, "from"},
		"password only":       {func(m map[string]any) { delete(m, "username") }, "username"},
		"bad CA":              {func(m map[string]any) { m["root_ca_pem"] = "not a certificate" }, "root_ca_pem"},
		"bad preset":          {func(m map[string]any) { m["preset"] = "hotmail" }, "preset"},
		"exmail starttls": {func(m map[string]any) {
			delete(m, "host")
			delete(m, "port")
			m["preset"] = "exmail"
			m["security"] = "starttls"
		}, "security"},
		"timeout": {func(m map[string]any) { m["send_timeout_ms"] = 1 }, "send_timeout_ms"},
	}
	for name, tc := range cases {
		err := New().Validate(context.Background(), config(t, SecuritySSL, 465, ca, tc.mutate), false)
		e := kindOf(t, err)
		if e.Kind != connector.KindInvalidConfig || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
			t.Fatalf("%s: got %v", name, err)
		}
	}
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		raw, _ := json.Marshal(map[string]any{"host": host, "security": "none", "from": "a@example.com"})
		if err := New().Validate(context.Background(), raw, false); err != nil {
			t.Fatalf("none on %s refused: %v", host, err)
		}
	}
}

func TestPresets(t *testing.T) {
	cases := []struct {
		preset, security string
		host             string
		port             int
		wantSecurity     string
	}{
		{"qq", "", "smtp.qq.com", 465, SecuritySSL},
		{"qq", "starttls", "smtp.qq.com", 587, SecuritySTARTTLS},
		{"exmail", "", "smtp.exmail.qq.com", 465, SecuritySSL},
		{"163", "", "smtp.163.com", 465, SecuritySSL},
		{"gmail", "", "smtp.gmail.com", 465, SecuritySSL},
		{"gmail", "starttls", "smtp.gmail.com", 587, SecuritySTARTTLS},
	}
	for _, tc := range cases {
		m := map[string]any{"preset": tc.preset, "from": "a@example.com"}
		if tc.security != "" {
			m["security"] = tc.security
		}
		raw, _ := json.Marshal(m)
		cfg, err := decode(raw)
		if err != nil {
			t.Fatalf("%s/%s: %v", tc.preset, tc.security, err)
		}
		if cfg.Host != tc.host || cfg.Port != tc.port || cfg.Security != tc.wantSecurity {
			t.Fatalf("%s/%s: %s:%d %s", tc.preset, tc.security, cfg.Host, cfg.Port, cfg.Security)
		}
	}
}

func TestTemplateProblemsAreInvalidConfig(t *testing.T) {
	ca := newTestCA(t)
	b := &backend{user: testUser, pass: testPass}
	port := startServer(t, SecurityNone, ca, b)
	cfg := config(t, SecurityNone, port, ca)
	cases := map[string]func(*connector.Message){
		"missing variable in body": func(m *connector.Message) { m.Template.Body = "Code {{.nonce}}" },
		"missing variable in html": func(m *connector.Message) { m.Template.HTMLBody = "<p>{{.nonce}}</p>" },
		"does not parse":           func(m *connector.Message) { m.Template.Subject = "{{.code" },
		"no subject":               func(m *connector.Message) { m.Template.Subject = "" },
		"no body":                  func(m *connector.Message) { m.Template.Body = "" },
	}
	for name, mutate := range cases {
		msg := message()
		mutate(&msg)
		_, err := New().Send(context.Background(), cfg, msg)
		if e := kindOf(t, err); e.Kind != connector.KindInvalidConfig {
			t.Fatalf("%s: got %v", name, err)
		}
		if strings.Contains(err.Error(), testCode) {
			t.Fatalf("%s: error leaks the code: %v", name, err)
		}
	}
	if b.conns.Load() != 0 {
		t.Fatal("a broken template still connected")
	}
	for _, to := range []string{"Alice <alice@example.com>", " alice@example.com"} {
		msg := message()
		msg.To = to
		if _, err := New().Send(context.Background(), cfg, msg); kindOf(t, err).Kind != connector.KindInvalidRecipient {
			t.Fatalf("%q: got %v", to, err)
		}
	}
}

func TestSubjectCannotInjectHeaders(t *testing.T) {
	ca := newTestCA(t)
	b := &backend{user: testUser, pass: testPass}
	port := startServer(t, SecurityNone, ca, b)
	msg := message()
	msg.Variables["app_name"] = "Demo\r\nBcc: mallory@example.com"
	if _, err := New().Send(context.Background(), config(t, SecurityNone, port, ca), msg); err != nil {
		t.Fatal(err)
	}
	p := parse(t, b.Messages()[0].data)
	if p.header.Get("Bcc") != "" || !reflect.DeepEqual(b.Messages()[0].to, []string{"alice@example.com"}) {
		t.Fatalf("header injected: %v", p.header)
	}
}

func TestPoolAndTemplatesCachedPerConfig(t *testing.T) {
	ca := newTestCA(t)
	b := &backend{user: testUser, pass: testPass}
	port := startServer(t, SecurityNone, ca, b)
	s := New()
	a := config(t, SecurityNone, port, ca)
	other := config(t, SecurityNone, port, ca, func(m map[string]any) { m["reply_to"] = "help@example.com" })
	for _, cfg := range []connector.Config{a, a, other} {
		if _, err := s.Send(context.Background(), cfg, message()); err != nil {
			t.Fatal(err)
		}
	}
	if poolFor(t, s, a) == poolFor(t, s, other) || s.pools.Len() != 2 {
		t.Fatalf("pools: %d", s.pools.Len())
	}
	// Subject, text and HTML of one template: three parsed templates, however many sends.
	if n := s.templates.c.Len(); n != 3 {
		t.Fatalf("%d parsed templates cached, want 3", n)
	}
}

func TestConcurrentSendsShareThePoolSafely(t *testing.T) {
	ca := newTestCA(t)
	b := &backend{user: testUser, pass: testPass}
	port := startServer(t, SecuritySTARTTLS, ca, b)
	s := New()
	cfg := config(t, SecuritySTARTTLS, port, ca)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := s.Send(context.Background(), cfg, message())
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := len(b.Messages()); n != 8 {
		t.Fatalf("%d messages", n)
	}
	p := poolFor(t, s, cfg)
	p.mu.Lock()
	idle := len(p.idle)
	p.mu.Unlock()
	if idle > maxIdlePerConfig {
		t.Fatalf("%d idle sessions kept, limit %d", idle, maxIdlePerConfig)
	}
}

func TestIPv6LoopbackHost(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	b := &backend{user: testUser, pass: testPass}
	port := serve(t, ln, SecurityNone, testCA{}, b)
	cfg := config(t, SecurityNone, port, testCA{}, func(m map[string]any) { m["host"] = "::1" })
	if _, err := New().Send(context.Background(), cfg, message()); err != nil {
		t.Fatal(err)
	}
	if len(b.Messages()) != 1 {
		t.Fatal("no message received over IPv6")
	}
}
