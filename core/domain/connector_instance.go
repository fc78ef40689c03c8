package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Connector is a configured instance of a connector type in a pool: the provider account and
// templates one pool sends its SMS or email with.
type Connector struct {
	ID      string
	PoolID  string
	Type    string
	Channel string
	Name    string
	// Config holds the non-secret configuration fields.
	Config map[string]any
	// SealedSecrets is the JSON object of the secret fields, encrypted and bound to ID.
	SealedSecrets []byte
	// SecretsSet names the secret fields that have a value.
	SecretsSet []string
	Templates  []MessageTemplate
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ValidateConnectorName trims name: required, at most 128 characters.
func ValidateConnectorName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", InvalidField("name", "is required")
	case utf8.RuneCountInString(name) > 128:
		return "", InvalidField("name", "must be at most 128 characters")
	}
	return name, nil
}
