package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/emersion/go-smtp"

	"github.com/gatehouse-iam/gatehouse/internal/tencentfake"
	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// realConnector is one shipped connector pointed at its fake provider (Tencent) or at a real
// SMTP server inside the test, with a way to read back the code a message carried.
type realConnector struct {
	name     string
	channel  string
	to       string
	body     map[string]any // POST .../connectors body
	lastCode func(t *testing.T) string
}

func realConnectors(t *testing.T) []realConnector {
	keys := map[string]string{"AKIDgatehouse": "tencent-secret-key"}
	sms := tencentfake.New(t, keys)
	ses := tencentfake.New(t, keys)
	inbox := startSMTP(t)
	return []realConnector{
		{
			name: "tencentsms", channel: "sms", to: "13612345678",
			body: map[string]any{"type": "tencentsms", "name": "Tencent SMS", "config": map[string]any{
				"secret_id": "AKIDgatehouse", "secret_key": "tencent-secret-key", "sdk_app_id": "1400000001",
				"sign_name": "Gatehouse", "endpoint": sms.Endpoint(), "scheme": "http"},
				"templates": []map[string]any{{"usage": "generic", "id": "1234567", "params": []string{"code", "ttl_minutes"}}}},
			lastCode: func(t *testing.T) string {
				reqs := sms.Requests()
				for i := len(reqs) - 1; i >= 0; i-- {
					if reqs[i].Action == "SendSms" {
						return reqs[i].Strings("TemplateParamSet")[0]
					}
				}
				t.Fatal("the Tencent SMS fake received no SendSms")
				return ""
			},
		},
		{
			name: "tencentses", channel: "email", to: "alice@example.com",
			body: map[string]any{"type": "tencentses", "name": "Tencent SES", "config": map[string]any{
				"secret_id": "AKIDgatehouse", "secret_key": "tencent-secret-key", "from": "Gatehouse <noreply@mail.example.com>",
				"endpoint": ses.Endpoint(), "scheme": "http"},
				"templates": []map[string]any{{"usage": "generic", "id": "65432", "subject": "Your code", "params": []string{"otp", "time"}}}},
			lastCode: func(t *testing.T) string {
				reqs := ses.Requests()
				for i := len(reqs) - 1; i >= 0; i-- {
					if reqs[i].Action == "SendEmail" {
						tpl, _ := reqs[i].Params["Template"].(map[string]any)
						var data map[string]string
						if err := json.Unmarshal([]byte(tpl["TemplateData"].(string)), &data); err != nil {
							t.Fatal(err)
						}
						return data["otp"]
					}
				}
				t.Fatal("the Tencent SES fake received no SendEmail")
				return ""
			},
		},
		{
			name: "smtp", channel: "email", to: "alice@example.com",
			body: map[string]any{"type": "smtp", "name": "SMTP", "config": map[string]any{
				"host": "127.0.0.1", "port": inbox.port, "security": "none", "from": "Gatehouse <noreply@example.com>"},
				"templates": []map[string]any{{"usage": "generic", "subject": "Your code",
					"body": "Your code is {{.otp}}, valid {{.time}} seconds."}}},
			lastCode: func(t *testing.T) string {
				msg := inbox.last(t)
				m := regexp.MustCompile(`Your code is ([0-9]+)`).FindStringSubmatch(msg)
				if m == nil {
					t.Fatalf("no code in the mail:\n%s", msg)
				}
				return m[1]
			},
		},
	}
}

// startRealConnectorServer starts a server whose plugin directory holds the mocks and the
// three shipped connectors.
func startRealConnectorServer(t *testing.T, dialect string) *servertest.Server {
	dir := servertest.PluginDirWith(t, "mocksms", "mockemail", "tencentsms", "tencentses", "smtp")
	return servertest.Start(t, dialect, func(c *server.Config, _ *server.Overrides) { c.PluginDir = dir })
}

// useConnector creates the connector in the pool and makes it carry the pool's messages.
func useConnector(t *testing.T, s *servertest.Server, poolID string, rc realConnector) string {
	var c connectorJSON
	s.Do("POST", "/admin/v1/pools/"+poolID+"/connectors", rc.body).Expect(201).Decode(&c)
	field := "sms_connector_id"
	if rc.channel == "email" {
		field = "email_connector_id"
	}
	s.Do("PUT", "/admin/v1/pools/"+poolID+"/message-settings", map[string]any{field: c.ID}).Expect(200)
	return c.ID
}

// Each shipped connector, as a plugin process, carries a pool's messages to its provider.
func TestRealConnectorsCarryPoolMessages(t *testing.T) {
	s := startRealConnectorServer(t, "sqlite")
	for _, rc := range realConnectors(t) {
		t.Run(rc.name, func(t *testing.T) {
			p := createPool(t, s, "Pool "+rc.name)
			id := useConnector(t, s, p.ID, rc)
			s.Do("POST", "/admin/v1/pools/"+p.ID+"/connectors/"+id+"/validate", nil).Expect(200)
			var d struct {
				MessageID string `json:"message_id"`
			}
			s.Do("POST", "/admin/v1/pools/"+p.ID+"/connectors/"+id+"/test", map[string]any{"to": rc.to, "usage": "login"}).Expect(200).Decode(&d)
			if d.MessageID == "" || rc.lastCode(t) != "123456" {
				t.Fatalf("message %q, code %q", d.MessageID, rc.lastCode(t))
			}
		})
	}
	for _, secret := range []string{"tencent-secret-key"} {
		if strings.Contains(s.Logs.String(), secret) {
			t.Fatal("a connector secret reached the log")
		}
	}
}

// inbox is a real SMTP server (go-smtp) on a loopback port that keeps the messages it receives.
type inbox struct {
	port int
	mu   sync.Mutex
	msgs []string
}

func startSMTP(t *testing.T) *inbox {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	in := &inbox{port: ln.Addr().(*net.TCPAddr).Port}
	srv := smtp.NewServer(in)
	srv.Domain = "localhost"
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return in
}

func (in *inbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &inboxSession{in: in}, nil }

func (in *inbox) last(t *testing.T) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.msgs) == 0 {
		t.Fatal("the SMTP server received no mail")
	}
	return in.msgs[len(in.msgs)-1]
}

type inboxSession struct{ in *inbox }

func (s *inboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *inboxSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *inboxSession) Reset()                               {}
func (s *inboxSession) Logout() error                        { return nil }
func (s *inboxSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(m.Body)
	if err != nil {
		return err
	}
	s.in.mu.Lock()
	defer s.in.mu.Unlock()
	s.in.msgs = append(s.in.msgs, string(body))
	return nil
}

// The sign-in runs end to end once with each shipped connector carrying the code: the Tencent
// ones against their fake (which checks every TC3 signature), SMTP against a real SMTP server.
func TestSignInThroughEachShippedConnector(t *testing.T) {
	s := startRealConnectorServer(t, "sqlite")
	ctx := context.Background()
	for _, rc := range realConnectors(t) {
		t.Run(rc.name, func(t *testing.T) {
			e := newOTPEnv(t, s, "ES256", false)
			useConnector(t, s, e.Pool, rc)
			field, grant, source, stored := "phone_number", grantSMS, e.SMS, "+8613612345678"
			if rc.channel == "email" {
				field, grant, source, stored = "email", grantEmail, e.Email, rc.to
			}
			var u struct {
				ID string `json:"id"`
			}
			user := map[string]any{"user_name": "alice", "email": "alice@example.com", "password": "correct horse battery"}
			user[field] = rc.to
			s.Do("POST", "/admin/v1/pools/"+e.Pool+"/users", user).Expect(201).Decode(&u)

			otpToken := e.sendOK(t, map[string]any{"usage": "login", field: rc.to, "auth_source_id": source})
			code := rc.lastCode(t)
			if len(code) != 6 {
				t.Fatalf("code %q carried by %s", code, rc.name)
			}
			var tok struct {
				IDToken string `json:"id_token"`
			}
			e.token(map[string]any{"grant_type": grant, "auth_source_id": source, field: rc.to,
				"otp_token": otpToken, "otp": code}).Expect(200).Decode(&tok)
			provider, err := oidc.NewProvider(ctx, s.URL+"/pools/"+e.Pool)
			if err != nil {
				t.Fatal(err)
			}
			idt, err := provider.Verifier(&oidc.Config{ClientID: e.Web, SupportedSigningAlgs: []string{"ES256"}}).Verify(ctx, tok.IDToken)
			if err != nil || idt.Subject != u.ID {
				t.Fatalf("ID token: %v (sub %v, want %s; recipient %s)", err, idt, u.ID, stored)
			}
		})
	}
	if strings.Contains(s.Logs.String(), "tencent-secret-key") {
		t.Fatal("a connector secret reached the log")
	}
}
