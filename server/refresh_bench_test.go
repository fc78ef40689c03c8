package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/session"
	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// BenchmarkRefresh measures refresh grants per second over HTTP against the real server, from
// 16 concurrent clients, each chaining its own rotated token (as an app refreshing a session
// does): every op is client authentication, the token lookup, the user check, signing an access
// and an ID token (ES256) and the rotation transaction with its audit event.
func BenchmarkRefresh(b *testing.B) {
	const concurrency = 16
	for _, dialect := range storagetest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			s := startBench(b, dialect)
			ctx := context.Background()
			var p, u struct{ ID string }
			s.admin(b, http.MethodPost, "/pools", map[string]any{"name": "Bench"}, &p)
			var created struct {
				ID       string `json:"id"`
				ClientID string `json:"client_id"`
				Secret   string `json:"client_secret"`
			}
			s.admin(b, http.MethodPost, "/pools/"+p.ID+"/applications", map[string]any{"type": "web", "name": "Bench",
				"refresh_token_enabled": true, "signing_alg": "ES256", "claims": []string{"email"}}, &created)
			s.admin(b, http.MethodPost, "/pools/"+p.ID+"/users", map[string]any{"user_name": "bench", "email": "bench@example.com",
				"password": "Passw0rd!long"}, &u)
			app, err := s.App.Stores.Applications.Get(ctx, p.ID, created.ID)
			if err != nil {
				b.Fatal(err)
			}
			user, err := s.App.Stores.Users.Get(ctx, p.ID, u.ID)
			if err != nil {
				b.Fatal(err)
			}
			auth := servertest.BasicAuth(created.ClientID, created.Secret)
			tokens := make([]string, concurrency)
			for i := range tokens {
				resp, err := s.App.Sessions.Issue(ctx, session.IssueRequest{App: app, User: user, AMR: []string{"otp"}, AuthTime: time.Now()})
				if err != nil {
					b.Fatal(err)
				}
				if tokens[i], err = refreshOnce(s.client, s.URL, auth, resp.RefreshToken); err != nil { // warm caches and connections
					b.Fatal(err)
				}
			}
			s.countQueries(b, "refresh", func() {
				s.runLoad(b, loadSpec{URL: s.URL, Op: loadRefresh, Workers: concurrency, ClientID: created.ClientID,
					Secret: created.Secret, Refresh: tokens}, "refresh/s", "refresh")
			})
		})
	}
}

// refreshOnce sends a refresh grant with rt and returns the rotated refresh token.
func refreshOnce(client *http.Client, baseURL, auth, rt string) (string, error) {
	req, err := http.NewRequest(http.MethodPost, baseURL+"/oauth2/token",
		strings.NewReader("grant_type=refresh_token&refresh_token="+url.QueryEscape(rt)))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", auth)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		RefreshToken string `json:"refresh_token"`
		Error        string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		return "", &refreshError{resp.StatusCode, body.Error, err}
	}
	return body.RefreshToken, nil
}

type refreshError struct {
	status int
	code   string
	err    error
}

func (e *refreshError) Error() string {
	msg := "refresh: status " + http.StatusText(e.status) + " " + e.code
	if e.err != nil {
		msg += ": " + e.err.Error()
	}
	return msg
}
