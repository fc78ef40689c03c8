// Package migrations holds the versioned schema of each supported database, embedded in the
// binary. Both dialects carry the same migration IDs; a test keeps them in step.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed mysql/*.sql sqlite/*.sql
var files embed.FS

// Dialect names accepted by For.
const (
	MySQL  = "mysql"
	SQLite = "sqlite"
)

// For returns the migration files of a dialect.
func For(dialect string) (fs.FS, error) {
	switch dialect {
	case MySQL, SQLite:
		return fs.Sub(files, dialect)
	default:
		return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
	}
}
