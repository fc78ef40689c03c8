package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/token"
	"github.com/gatehouse-iam/gatehouse/server"
)

// benchApp wires the real server on a fresh database of dialect with one pool, logging (at the
// default level, so one access line per request) to io.Discard.
func benchApp(b *testing.B, dialect string) (*server.App, string) {
	b.Helper()
	ctx := context.Background()
	db := storagetest.New(b, dialect)
	cfg := server.Config{PublicURL: "https://id.example.com", AdminToken: "bench-admin-token", DataDir: b.TempDir()}
	app, err := server.Build(ctx, cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Overrides{})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	if err := app.Stores.Pools.Create(ctx, &domain.Pool{ID: "bench-pool", Name: "Bench", CreatedAt: now, UpdatedAt: now}); err != nil {
		b.Fatal(err)
	}
	return app, "bench-pool"
}

// BenchmarkJWKS drives GET /pools/{id}/oauth2/jwks through the gin engine (middleware, access
// log, router, handler) from parallel clients and reports requests per second.
func BenchmarkJWKS(b *testing.B) {
	for _, dialect := range storagetest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			app, pool := benchApp(b, dialect)
			path := "/pools/" + pool + "/oauth2/jwks"
			warm := httptest.NewRecorder()
			app.Engine.ServeHTTP(warm, httptest.NewRequest("GET", path, nil))
			if warm.Code != http.StatusOK {
				b.Fatalf("warm-up: %d %s", warm.Code, warm.Body)
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest("GET", path, nil)
				for pb.Next() {
					w := httptest.NewRecorder()
					app.Engine.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Errorf("status %d", w.Code)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}

// BenchmarkSign mints one sign-in's tokens (access token + ID token) per op, serially, so
// ns/op is the CPU time of a login's token work.
func BenchmarkSign(b *testing.B) {
	app, pool := benchApp(b, "sqlite")
	ctx := context.Background()
	for _, alg := range domain.SigningAlgs {
		b.Run(alg, func(b *testing.B) {
			req := token.MintRequest{PoolID: pool, ClientID: "client-1", Alg: alg, AccessTTL: 5 * time.Minute, IDTokenTTL: time.Hour,
				Subject: "01a20532-7e21-7291-9e04-fceb299d2d2a", Scope: []string{"openid"}, AMR: []string{"otp", "sms"},
				AuthTime: time.Now(), ExtraClaims: map[string]any{"tenant": "acme"}}
			if _, err := app.Tokens.Mint(ctx, req); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := app.Tokens.Mint(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
