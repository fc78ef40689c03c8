package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/application"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/pool"
)

var discardLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// BenchmarkVerifyClient measures client authentication, which runs on every token request: a
// lookup by client ID among many applications plus one HMAC.
func BenchmarkVerifyClient(b *testing.B) {
	for _, dialect := range storagetest.Dialects {
		b.Run(dialect+"/apps=1000", func(b *testing.B) {
			ctx := context.Background()
			db := storagetest.New(b, dialect)
			app, err := Build(ctx, Config{AdminToken: "t", DataDir: b.TempDir(), PublicURL: "http://x"}, db, discardLogger, Overrides{})
			if err != nil {
				b.Fatal(err)
			}
			p, err := app.Pools.Create(ctx, pool.CreateRequest{Name: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			var clientID, secret string
			for i := range 1000 {
				name := fmt.Sprintf("app %d", i)
				c, err := app.Applications.Create(ctx, application.CreateRequest{PoolID: p.ID, Type: string(domain.AppWeb), Settings: application.Settings{Name: &name}})
				if err != nil {
					b.Fatal(err)
				}
				clientID, secret = c.App.ClientID, c.ClientSecret
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := app.Applications.VerifyClient(ctx, clientID, secret); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOriginAllowed measures the CORS check of a full application (10 origins, 20
// redirect URIs) against an origin that matches none, the slowest case.
func BenchmarkOriginAllowed(b *testing.B) {
	app := &domain.Application{}
	for i := range 10 {
		app.CORSOrigins = append(app.CORSOrigins, fmt.Sprintf("https://*.site%d.example.com", i))
	}
	for i := range 20 {
		app.RedirectURIs = append(app.RedirectURIs, fmt.Sprintf("https://app%d.example.com/callback", i))
	}
	b.Run("origins=10/redirects=20/miss", func(b *testing.B) {
		for b.Loop() {
			if domain.OriginAllowed(app, "https://evil.example.org") {
				b.Fatal("allowed")
			}
		}
	})
}
