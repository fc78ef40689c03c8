package server_test

import (
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

const (
	grantSMS   = "http://tencentciam.com/oauth2/grant-type/otp/sms"
	grantEmail = "http://tencentciam.com/oauth2/grant-type/otp/email"
)

// otpEnv is a pool with an SMS and an email OTP source, a web application whose login prefers
// the SMS source (email associated) and an SPA with the same sources, all made through the
// admin API.
type otpEnv struct {
	s              *servertest.Server
	Pool           string
	SMS, Email     string
	Web, WebSecret string // client id and secret
	WebID          string
	SPA            string
	SPAID          string
}

func newOTPEnv(t testing.TB, s *servertest.Server, alg string, registration bool) *otpEnv {
	e := &otpEnv{s: s}
	var p struct {
		ID string `json:"id"`
	}
	s.Do("POST", "/admin/v1/pools", map[string]any{"name": "Shop " + strings.ReplaceAll(time.Now().Format("150405.000000000"), ".", "")}).Expect(201).Decode(&p)
	e.Pool = p.ID
	src := func(typ string) string {
		var v struct {
			ID string `json:"id"`
		}
		s.Do("POST", "/admin/v1/pools/"+e.Pool+"/auth-sources", map[string]any{"type": typ, "name": typ}).Expect(201).Decode(&v)
		return v.ID
	}
	e.SMS, e.Email = src("sms_otp"), src("email_otp")
	process := map[string]any{
		"login":        map[string]any{"enabled": true, "preferred_source_id": e.SMS, "associated_source_ids": []string{e.Email}},
		"registration": map[string]any{"enabled": registration, "identifier": "phone_number", "sms_otp_source_id": e.SMS},
	}
	app := func(typ string) (id, clientID, secret string) {
		var v struct {
			ID     string `json:"id"`
			Client string `json:"client_id"`
			Secret string `json:"client_secret"`
		}
		s.Do("POST", "/admin/v1/pools/"+e.Pool+"/applications", map[string]any{"type": typ, "name": typ + " app",
			"signing_alg": alg, "refresh_token_enabled": true, "process": process}).Expect(201).Decode(&v)
		return v.ID, v.Client, v.Secret
	}
	e.WebID, e.Web, e.WebSecret = app("web")
	e.SPAID, e.SPA, _ = app("spa")
	return e
}

func (e *otpEnv) webAuth() string { return servertest.BasicAuth(e.Web, e.WebSecret) }

// send posts /otp/send as the web application.
func (e *otpEnv) send(body map[string]any) *servertest.Response {
	return e.s.DoWith("POST", "/otp/send", e.webAuth(), body)
}

func (e *otpEnv) sendOK(t testing.TB, body map[string]any) string {
	t.Helper()
	var v struct {
		OTPToken string `json:"otp_token"`
	}
	e.send(body).Expect(http.StatusOK).Decode(&v)
	if len(v.OTPToken) < 40 {
		t.Fatalf("otp_token %q", v.OTPToken)
	}
	return v.OTPToken
}

// token posts /oauth2/token as the web application (secret in the body, as the seed).
func (e *otpEnv) token(body map[string]any) *servertest.Response {
	return e.s.DoWith("POST", "/oauth2/token", "", e.withClient(body))
}

// sendToken is token for goroutines a test starts (see servertest.Server.Send).
func (e *otpEnv) sendToken(body map[string]any) (*servertest.Response, error) {
	return e.s.Send("POST", "/oauth2/token", "", e.withClient(body))
}

// withClient is body with the web application's credentials.
func (e *otpEnv) withClient(body map[string]any) map[string]any {
	b := map[string]any{"client_id": e.Web, "client_secret": e.WebSecret}
	maps.Copy(b, body)
	return b
}

// lastCode is the code of the newest outbox message to recipient.
func lastCode(t testing.TB, path, recipient string) string {
	t.Helper()
	msgs := servertest.Outbox(t, path)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i]["to"] == recipient {
			vars, _ := msgs[i]["variables"].(map[string]any)
			if code, _ := vars["code"].(string); code != "" {
				return code
			}
		}
	}
	t.Fatalf("no code for %s in %s", recipient, path)
	return ""
}

func outboxCount(t testing.TB, path string) int {
	t.Helper()
	return len(servertest.Outbox(t, path))
}
