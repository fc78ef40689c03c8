package server

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
)

// Version is set at build time with -ldflags "-X github.com/gatehouse-iam/gatehouse/server.Version=...".
var Version = "dev"

const usage = `Gatehouse: customer identity and access management.

Usage:
  gatehouse serve [flags]            run the server
  gatehouse migrate up|down|status   manage the database schema
  gatehouse keys rotate --pool ID [--alg RS256|ES256|EdDSA]
                                     give a pool a new active signing key (prints its kid)
  gatehouse keys list --pool ID      list a pool's signing keys
  gatehouse version                  print the version

Run "gatehouse serve -h" for the flags; each has a GATEHOUSE_* environment variable.
`

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr, getenv)
	case "migrate":
		err = migrateCmd(ctx, args[1:], stdout, stderr, getenv)
	case "keys":
		err = keysCmd(ctx, args[1:], stdout, stderr, getenv)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "gatehouse", Version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse:", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, _, err := LoadConfig("serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	defer SetGCDefault(getenv)() // restored when serve returns, as tests run it in process
	// Code that logs without a logger at hand (error causes, sign-in warnings) uses the
	// default: give it the configured format and level.
	slog.SetDefault(logger)
	db, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.AutoMigrate {
		n, err := db.MigrateUp(ctx)
		if err != nil {
			return err
		}
		logger.Info("database migrated", "applied", n, "dialect", db.Dialect)
	}
	app, err := Build(ctx, cfg, db, logger, Overrides{})
	if err != nil {
		return err
	}
	defer app.Close()
	if app.GeneratedAdminToken != "" {
		// Shown once, on stdout and never in the log; only its hash is stored.
		fmt.Fprintf(stdout, "\nGenerated admin token (shown once; store it now, only its hash is kept):\n\n    %s\n\n", app.GeneratedAdminToken)
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: app.Engine, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	logger.Info("gatehouse serving", "version", Version, "addr", ln.Addr().String(), "public_url", cfg.PublicURL,
		"database", storage.RedactURL(cfg.DatabaseURL))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

func migrateCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return errors.New("migrate needs up, down or status")
	}
	cfg, _, err := LoadConfig("migrate "+args[0], args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	db, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "up":
		n, err := db.MigrateUp(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
	case "down":
		n, err := db.MigrateDown(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rolled back %d migration(s)\n", n)
	case "status":
		ms, err := db.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		for _, m := range ms {
			state := "pending"
			if m.IsApplied() {
				state = "applied (group " + fmt.Sprint(m.GroupID) + ")"
			}
			fmt.Fprintf(stdout, "%s  %s\n", m.Name, state)
		}
	default:
		return fmt.Errorf("unknown migrate command %q (want up, down or status)", args[0])
	}
	return nil
}

// gcPercentDefault is the server's garbage collection target when GOGC is unset: the heap may
// grow to five times what is live before a collection, not twice. A server's live heap is small
// (tens of MB), so at Go's default of 100 it collected several times a second under sign-in
// load; at 400 the server's CPU per login fell by a tenth (see the README's benchmarks).
const gcPercentDefault = 400

// SetGCDefault sets the garbage collection target to gcPercentDefault unless the GOGC
// environment variable chose one, and returns what puts the previous target back.
func SetGCDefault(getenv func(string) string) (restore func()) {
	if getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(gcPercentDefault)
	return func() { debug.SetGCPercent(prev) }
}
