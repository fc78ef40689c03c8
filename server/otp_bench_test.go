package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// benchServer is the real wiring with the mock plugins behind a loopback HTTP server, logging
// only warnings (to nowhere), so the numbers measure the server rather than the test log.
type benchServer struct {
	URL     string
	App     *server.App
	client  *http.Client
	queries queryCounter
}

// queryCounter counts the SQL statements the server sends outside rounds, BEGIN and COMMIT of
// its own transactions included: with the rounds' statements (DB.RoundStats), a figure the
// machine's speed does not blur.
type queryCounter struct{ n atomic.Int64 }

func (q *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}
func (q *queryCounter) AfterQuery(context.Context, *bun.QueryEvent) { q.n.Add(1) }

// countQueries runs fn and reports per op the SQL statements it cost and the round trips they
// took: on MySQL the writes made outside a transaction share rounds, one round trip each.
func (s *benchServer) countQueries(b *testing.B, unit string, fn func()) {
	alone, rounds := s.queries.n.Load(), s.App.DB.RoundStats()
	fn()
	alone, after := s.queries.n.Load()-alone, s.App.DB.RoundStats()
	inRounds, trips := after.Statements-rounds.Statements, after.Rounds-rounds.Rounds
	b.ReportMetric(float64(alone+inRounds)/float64(b.N), "queries/"+unit)
	b.ReportMetric(float64(alone+trips)/float64(b.N), "round-trips/"+unit)
}

func startBench(b *testing.B, dialect string) *benchServer {
	b.Helper()
	b.Cleanup(server.SetGCDefault(os.Getenv)) // as the server program runs
	db := storagetest.New(b, dialect)
	s := &benchServer{}
	db.DB.AddQueryHook(&s.queries) // the statements outside rounds: RoundStats counts the others
	srv := servertest.StartOnWithLogger(b, db, quietLogger)
	tr := &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128, IdleConnTimeout: time.Minute}
	b.Cleanup(tr.CloseIdleConnections)
	s.URL, s.App, s.client = srv.URL, srv.App, &http.Client{Transport: tr}
	return s
}

// quietLogger logs warnings only, to nowhere.
var quietLogger = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))

// call sends a JSON request and decodes a JSON answer into out (when not nil).
func (s *benchServer) call(method, path, auth string, body, out any) (int, error) {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, err
		}
	} else if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	return resp.StatusCode, nil
}

func (s *benchServer) admin(b *testing.B, method, path string, body, out any) {
	b.Helper()
	if _, err := s.call(method, "/admin/v1"+path, "Bearer "+servertest.AdminToken, body, out); err != nil {
		b.Fatal(err)
	}
}

// benchEnv: a pool with its own mock SMS connector (no free quota in the way) writing to an
// outbox, an SMS OTP source, a web application signing with alg, and users. Every login or send
// goes to a user of its own, so the per-recipient limits keep their defaults (cooldown 60 s,
// 5 an hour, 10 a day) and cost what they cost in production; only the per-IP and per-pool caps
// are raised, since the whole load comes from one address.
type benchEnv struct {
	pool, source, clientID, secret string
	alg                            string
	outbox                         *outboxReader
	users                          int // users created so far
}

func newBenchEnv(b *testing.B, s *benchServer, alg string) *benchEnv {
	b.Helper()
	e := &benchEnv{}
	var id struct {
		ID     string `json:"id"`
		Client string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	s.admin(b, "POST", "/pools", map[string]any{"name": "Bench " + alg}, &id)
	e.pool = id.ID
	path := filepath.Join(b.TempDir(), "sms.jsonl")
	s.admin(b, "POST", "/pools/"+e.pool+"/connectors", map[string]any{"type": "mocksms", "name": "SMS", "config": map[string]any{"outbox": path},
		"templates": []map[string]any{{"usage": "generic", "id": "T", "params": []string{"code"}}}}, &id)
	s.admin(b, "PUT", "/pools/"+e.pool+"/message-settings", map[string]any{"sms_connector_id": id.ID}, nil)
	s.admin(b, "PUT", "/pools/"+e.pool+"/otp-settings", map[string]any{"recipient_cooldown_seconds": 60, "recipient_hourly_limit": 5,
		"recipient_daily_limit": 10, "ip_limit": 1_000_000, "ip_window_seconds": 60, "pool_daily_limit": 100_000_000}, nil)
	s.admin(b, "POST", "/pools/"+e.pool+"/auth-sources", map[string]any{"type": "sms_otp", "name": "SMS"}, &id)
	e.source = id.ID
	s.admin(b, "POST", "/pools/"+e.pool+"/applications", map[string]any{"type": "web", "name": "Web", "signing_alg": alg,
		"process": map[string]any{"login": map[string]any{"enabled": true, "preferred_source_id": e.source}}}, &id)
	e.clientID, e.secret, e.alg = id.Client, id.Secret, alg
	e.outbox = &outboxReader{path: path, codes: map[string]string{}}
	b.Cleanup(func() { _ = e.outbox.Close() })
	return e
}

// loadSpec is the load generator's job of op for phones (one op each) from workers clients.
func (e *benchEnv) loadSpec(s *benchServer, op string, workers int, phones []string) loadSpec {
	return loadSpec{URL: s.URL, Op: op, Workers: workers, ClientID: e.clientID, Secret: e.secret, Source: e.source,
		Phones: phones, Outbox: e.outbox.path}
}

// newUsers creates n users (outside any timing) and returns their phone numbers.
func (e *benchEnv) newUsers(b *testing.B, s *benchServer, n int) []string {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	phones := make([]string, n)
	var wg sync.WaitGroup
	var failed atomic.Value
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 16 {
				k := e.users + i
				phones[i] = fmt.Sprintf("+86139%08d", k)
				u := &domain.User{ID: fmt.Sprintf("u-%s-%d", e.alg, k), PoolID: e.pool, PhoneNumber: phones[i],
					Source: domain.SourceAdmin, Attributes: map[string]any{}, CreatedAt: now, UpdatedAt: now}
				u.RefreshStatus()
				if err := s.App.Stores.Users.Create(ctx, u); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	e.users += n
	return phones
}

// outboxReader follows the mock connector's outbox, remembering the newest code per recipient.
// It keeps the file open and reads on from where it stopped: opening it for every code cost
// the load generator half a dozen system calls per login, CPU the server is measured without.
type outboxReader struct {
	mu      sync.Mutex
	path    string
	f       *os.File
	partial []byte // a last line not yet complete
	buf     []byte
	codes   map[string]string
}

func (o *outboxReader) code(to string) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f == nil {
		f, err := os.Open(o.path)
		if err != nil {
			return "", err
		}
		o.f = f
	}
	if o.buf == nil {
		o.buf = make([]byte, 64<<10)
	}
	for {
		n, err := o.f.Read(o.buf)
		data := append(o.partial, o.buf[:n]...)
		for {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				break
			}
			var m struct {
				To        string            `json:"to"`
				Variables map[string]string `json:"variables"`
			}
			if json.Unmarshal(data[:i], &m) == nil {
				o.codes[m.To] = m.Variables["code"]
			}
			data = data[i+1:]
		}
		o.partial = append(o.partial[:0], data...)
		if err == io.EOF || n < len(o.buf) {
			break
		}
		if err != nil {
			return "", err
		}
	}
	c, ok := o.codes[to]
	if !ok {
		return "", fmt.Errorf("no code for %s", to)
	}
	delete(o.codes, to)
	return c, nil
}

func (o *outboxReader) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f == nil {
		return nil
	}
	return o.f.Close()
}

type otpTokenBody struct {
	OTPToken string `json:"otp_token"`
}

func (e *benchEnv) send(s *benchServer, phone string) (string, error) {
	var v otpTokenBody
	_, err := s.call("POST", "/otp/send", servertest.BasicAuth(e.clientID, e.secret), map[string]any{"phone_number": phone, "auth_source_id": e.source}, &v)
	return v.OTPToken, err
}

func (e *benchEnv) login(s *benchServer, phone string) error {
	tok, err := e.send(s, phone)
	if err != nil {
		return err
	}
	code, err := e.outbox.code(phone)
	if err != nil {
		return err
	}
	var out struct {
		IDToken string `json:"id_token"`
	}
	_, err = s.call("POST", "/oauth2/token", "", map[string]any{"grant_type": grantSMS, "client_id": e.clientID, "client_secret": e.secret,
		"auth_source_id": e.source, "phone_number": phone, "otp_token": tok, "otp": code}, &out)
	if err == nil && out.IDToken == "" {
		err = fmt.Errorf("no id_token")
	}
	return err
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkOTPLogin: full OTP logins (POST /otp/send, the code read from the mock outbox,
// POST /oauth2/token) over HTTP at concurrency 16, per dialect and signing algorithm, and
// /otp/send alone, from a load generator process (see runLoad).
func BenchmarkOTPLogin(b *testing.B) {
	const workers = 16
	// Sign-in warnings log through the default logger: keep it quiet here.
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(quietLogger)
	for _, dialect := range storagetest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			s := startBench(b, dialect)
			// Made once per dialect (sub-benchmarks run several times with growing b.N).
			envs := map[string]*benchEnv{}
			for _, alg := range []string{"ES256", "RS256"} {
				e := newBenchEnv(b, s, alg)
				if err := e.login(s, e.newUsers(b, s, 1)[0]); err != nil { // warm the key cache and the plugin
					b.Fatal(err)
				}
				envs[alg] = e
			}
			for _, alg := range []string{"ES256", "RS256"} {
				b.Run("alg="+alg+"/c=16", func(b *testing.B) {
					e := envs[alg]
					phones := e.newUsers(b, s, b.N)
					s.countQueries(b, "login", func() {
						s.runLoad(b, e.loadSpec(s, loadLogin, workers, phones), "logins/s", "login")
					})
				})
			}
			b.Run("send-only/c=16", func(b *testing.B) {
				e := envs["ES256"]
				phones := e.newUsers(b, s, b.N)
				s.countQueries(b, "send", func() {
					s.runLoad(b, e.loadSpec(s, loadSend, workers, phones), "sends/s", "send")
				})
			})
		})
	}
}
