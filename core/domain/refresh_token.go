package domain

import "time"

// RefreshToken is an issued refresh token. Only the SHA-256 of the opaque token is stored.
// Tokens of one sign-in form a family: each refresh rotates the token within the family, and
// reusing a rotated token revokes the whole family.
type RefreshToken struct {
	ID            string
	PoolID        string
	ApplicationID string
	UserID        string
	FamilyID      string
	TokenHash     string
	Scope         string
	AMR           []string
	AuthTime      time.Time
	ExpiresAt     time.Time
	CreatedAt     time.Time
	// RotatedAt is set once the token was exchanged for a new one; RevokedAt when its family
	// was revoked.
	RotatedAt *time.Time
	RevokedAt *time.Time
}
