package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
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
			s := servertest.Start(b, dialect)
			ctx := context.Background()
			var p struct{ ID string }
			s.Do(http.MethodPost, "/admin/v1/pools", map[string]any{"name": "Bench"}).Expect(http.StatusCreated).Decode(&p)
			var created struct {
				RawID       string `json:"id"`
				RawClientID string `json:"client_id"`
				RawSecret   string `json:"client_secret"`
			}
			s.Do(http.MethodPost, "/admin/v1/pools/"+p.ID+"/applications", map[string]any{"type": "web", "name": "Bench",
				"refresh_token_enabled": true, "signing_alg": "ES256", "claims": []string{"email"}}).Expect(http.StatusCreated).Decode(&created)
			var u struct{ ID string }
			s.Do(http.MethodPost, "/admin/v1/pools/"+p.ID+"/users", map[string]any{"user_name": "bench", "email": "bench@example.com",
				"password": "Passw0rd!long"}).Expect(http.StatusCreated).Decode(&u)
			app, err := s.App.Stores.Applications.Get(ctx, p.ID, created.RawID)
			if err != nil {
				b.Fatal(err)
			}
			user, err := s.App.Stores.Users.Get(ctx, p.ID, u.ID)
			if err != nil {
				b.Fatal(err)
			}
			auth := servertest.BasicAuth(created.RawClientID, created.RawSecret)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency * 2}}
			refresh := func(rt string) (string, error) {
				req, _ := http.NewRequest(http.MethodPost, s.URL+"/oauth2/token",
					strings.NewReader("grant_type=refresh_token&refresh_token="+url.QueryEscape(rt)))
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
			tokens := make([]string, concurrency)
			for i := range tokens {
				resp, err := s.App.Sessions.Issue(ctx, session.IssueRequest{App: app, User: user, AMR: []string{"otp"}, AuthTime: time.Now()})
				if err != nil {
					b.Fatal(err)
				}
				if tokens[i], err = refresh(resp.RefreshToken); err != nil { // warm caches and connections
					b.Fatal(err)
				}
			}
			var queries queryCounter
			s.App.DB.DB = s.App.DB.DB.WithQueryHook(&queries) // the server is idle: nothing reads the field now
			b.ResetTimer()
			start, cpu0, db0 := time.Now(), cpuTime(), databaseCPU()
			var wg sync.WaitGroup
			for i := range concurrency {
				n := b.N / concurrency
				if i < b.N%concurrency {
					n++
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					rt := tokens[i]
					for range n {
						next, err := refresh(rt)
						if err != nil {
							b.Error(err)
							return
						}
						rt = next
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "refresh/s")
			// CPU of this process (server and its HTTP clients, not the database) per refresh:
			// unlike refresh/s it does not depend on what else the machine runs.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-us/op")
			b.ReportMetric(float64(queries.n.Load())/float64(b.N), "queries/refresh")
			if dialect == "mysql" && db0 >= 0 {
				b.ReportMetric(float64((databaseCPU()-db0).Microseconds())/float64(b.N), "db-cpu-us/op")
			}
		})
	}
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
