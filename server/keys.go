package server

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/secrets"
	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/system"
)

// keysCmd runs "gatehouse keys rotate|list --pool ID": signing key maintenance against the
// database the server uses. Running servers see a rotation within their key cache lifetime.
func keysCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || (args[0] != "rotate" && args[0] != "list") {
		return errors.New("keys needs rotate or list (gatehouse keys rotate --pool ID [--alg RS256|ES256|EdDSA])")
	}
	var poolID, alg string
	cfg, _, err := loadConfig("keys "+args[0], args[1:], getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&poolID, "pool", "", "id of the pool")
		if args[0] == "rotate" {
			fs.StringVar(&alg, "alg", "RS256", "signing algorithm: RS256, ES256 or EdDSA")
		}
	})
	if err != nil {
		return err
	}
	if poolID == "" {
		return errors.New("--pool is required")
	}
	// A maintenance command must never invent a master key: keys sealed with it would be
	// unreadable by the servers.
	if cfg.SecretKey == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, secrets.KeyFileName)); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no secret key: set --secret-key (GATEHOUSE_SECRET_KEY) or --data-dir to the server's")
		}
	}
	db, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	master, err := secrets.LoadMasterKey(cfg.SecretKey, cfg.DataDir)
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	tokens, err := buildTokens(cfg, master, storage.NewStores(db), system.Clock{})
	if err != nil {
		return err
	}
	switch args[0] {
	case "rotate":
		kid, err := tokens.RotateKey(ctx, poolID, alg)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, kid)
	case "list":
		keys, err := tokens.ListKeys(ctx, poolID)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "KID\tALG\tSTATUS\tCREATED\tRETIRED\tLEAVES JWKS")
		for _, k := range keys {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Alg, k.Status, stamp(k.CreatedAt), stamp(k.RetiredAt), stamp(k.ExpiresAt))
		}
		return w.Flush()
	}
	return nil
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
