package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Pool is a user pool: the tenant that isolates users, attributes, groups, applications and
// authentication sources from every other pool.
type Pool struct {
	ID          string
	Name        string
	LogoImageID string
	IsDefault   bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// MaxPoolNameLength is the guide's limit on a pool name, in characters.
const MaxPoolNameLength = 128

// ValidatePoolName trims name and checks the guide's rules: required, at most 128 characters.
func ValidatePoolName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", InvalidField("name", "is required")
	case utf8.RuneCountInString(name) > MaxPoolNameLength:
		return "", InvalidField("name", "must be at most 128 characters")
	}
	return name, nil
}
