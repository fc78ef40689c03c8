package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Group is a user group of a pool.
type Group struct {
	ID          string
	PoolID      string
	Name        string
	Description string
	MemberCount int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// The guide's limits on a group, in characters, and the most ids one batch request may name.
const (
	MaxGroupNameLength        = 128
	MaxGroupDescriptionLength = 128
	MaxIDBatch                = 100
)

// ValidateGroupName trims name and checks it: required, at most 128 characters. Uniqueness
// within the pool is the store's job (a unique index), so concurrent creates cannot race it.
func ValidateGroupName(name string) (string, error) {
	var p Problems
	name = checkGroupName(&p, name)
	return name, p.Err()
}

// ValidateGroupDescription trims description and checks it: optional, at most 128 characters.
func ValidateGroupDescription(description string) (string, error) {
	var p Problems
	description = checkGroupDescription(&p, description)
	return description, p.Err()
}

// ValidateGroup checks a new group's name and description together, so one answer lists every
// problem.
func ValidateGroup(name, description string) (string, string, error) {
	var p Problems
	name = checkGroupName(&p, name)
	description = checkGroupDescription(&p, description)
	return name, description, p.Err()
}

func checkGroupName(p *Problems, name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		p.Add("name", "is required")
	case utf8.RuneCountInString(name) > MaxGroupNameLength:
		p.Add("name", fmt.Sprintf("must be at most %d characters", MaxGroupNameLength))
	}
	return name
}

func checkGroupDescription(p *Problems, description string) string {
	description = strings.TrimSpace(description)
	if utf8.RuneCountInString(description) > MaxGroupDescriptionLength {
		p.Add("description", fmt.Sprintf("must be at most %d characters", MaxGroupDescriptionLength))
	}
	return description
}

// ValidateIDBatch checks the ids of a batch request (groups or users to delete, members to add
// or remove): 1 to 100 non-empty ids, trimmed. Repeated ids are dropped, keeping the first occurrence, so a
// client repeating an id is not mistaken for one naming an unknown object.
func ValidateIDBatch(field string, ids []string) ([]string, error) {
	switch {
	case len(ids) == 0:
		return nil, InvalidField(field, "must have at least 1 item")
	case len(ids) > MaxIDBatch:
		return nil, InvalidField(field, fmt.Sprintf("must have at most %d items", MaxIDBatch))
	}
	var p Problems
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for i, id := range ids {
		// Ids never hold spaces; trimming keeps MySQL's padded CHAR comparison ("id " = "id")
		// from making one id look like two.
		id = strings.TrimSpace(id)
		if id == "" {
			p.Add(fmt.Sprintf("%s[%d]", field, i), "is required")
			continue
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
