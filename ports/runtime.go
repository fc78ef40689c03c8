package ports

import (
	"context"
	"time"
)

// Clock tells the time, in UTC and truncated to the microsecond both databases store: services
// stamp rows with it as is, so an answer built in memory equals the row read back later. Tests
// inject a fixed or stepping clock, which must keep to the same precision.
type Clock interface {
	Now() time.Time
}

// IDs makes new identifiers (time-ordered, so indexes stay compact).
type IDs interface {
	NewID() string
}

// Tx runs fn in one database transaction. Stores called with the ctx that fn receives take
// part in it; nested calls join the outer transaction.
type Tx interface {
	Run(ctx context.Context, fn func(ctx context.Context) error) error
}

// PasswordHasher hashes passwords for storage and verifies them.
type PasswordHasher interface {
	Hash(password string) (string, error)
	Verify(encoded, password string) (bool, error)
}

// Cipher encrypts secrets at rest. associated binds a ciphertext to its owner (a row id), so it
// does not decrypt anywhere else.
type Cipher interface {
	Seal(plaintext, associated []byte) ([]byte, error)
	Open(sealed, associated []byte) ([]byte, error)
}
